import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import type { z } from 'zod';
import { AppError, messageOf } from '../domain/errors.ts';
import { resolveRegistryError } from './registry-errors.ts';
import { checkAvroBounds } from './avro-bounds.ts';
import { lookupValueSchema, registerValueSchema, type AvroSchemaName } from './avro-schemas.ts';

/**
 * The registry client answers an Avro schema as an avsc type (and others as their own kinds). Told by its shape,
 * not `instanceof`: a second copy of avsc under the client must not turn the check off unnoticed.
 */
function isAvroType(schema: unknown): schema is avro.Type {
  const candidate = schema as { typeName?: unknown; fromBuffer?: unknown } | null;
  return typeof candidate?.typeName === 'string' && typeof candidate.fromBuffer === 'function';
}

/**
 * Avro through the schema registry (Confluent wire format), with every decoded record validated by the zod
 * schema of its topic. Schemas are registered once, at start-up, for the topics a process produces to.
 */
export interface AvroSerde {
  register(topic: string, schema: AvroSchemaName): Promise<number>;
  encode(topic: string, value: unknown): Promise<Buffer>;
  decode<T extends z.ZodType>(buffer: Buffer | null, schema: T): Promise<z.infer<T>>;
}

/**
 * `register` (SCHEMA_REGISTER): register the schemas, or only look up the ids of this version's schemas, for a
 * service without write access to the registry.
 */
export function avroSerde(
  registry: SchemaRegistry,
  { register = true }: { register?: boolean } = {},
): AvroSerde {
  const schemaIds = new Map<string, number>();
  return {
    async register(topic, schema) {
      // One schema per topic: registered once per process (at start-up), whichever stage asks first.
      const known = schemaIds.get(topic);
      if (known !== undefined) return known;
      const id = register
        ? await registerValueSchema(registry, topic, schema)
        : await lookupValueSchema(registry, topic, schema);
      schemaIds.set(topic, id);
      return id;
    },
    encode(topic, value) {
      const id = schemaIds.get(topic);
      if (id === undefined) throw new Error(`no schema registered for topic ${topic}`);
      return registry.encode(id, value);
    },
    async decode(buffer, schema) {
      if (!buffer) throw new AppError('invalid-message', 'the record has no value');
      let decoded: unknown;
      try {
        // Walked against the writer's schema first: a reader allocates whatever lengths the bytes declare.
        if (buffer.length > 5 && buffer[0] === 0) {
          const writer = await registry.getSchema(buffer.readUInt32BE(1));
          if (isAvroType(writer)) checkAvroBounds(writer, buffer.subarray(5));
        }
        decoded = await registry.decode(buffer);
      } catch (error) {
        if (error instanceof AppError) throw error;
        // The registry being unreachable is worth a retry; bytes that are not Avro of a known schema are not.
        throw (
          resolveRegistryError(error) ??
          new AppError('invalid-message', `cannot decode the record: ${messageOf(error)}`, { cause: error })
        );
      }
      const parsed = schema.safeParse(decoded);
      if (!parsed.success)
        throw new AppError('invalid-message', `the record does not fit its schema: ${parsed.error.message}`, {
          cause: parsed.error,
        });
      return parsed.data;
    },
  };
}
