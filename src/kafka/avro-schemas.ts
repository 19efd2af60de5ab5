import TimeoutMiddleware from 'mappersmith/middleware/timeout';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistryAPIClientArgs } from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import avro from 'avsc';
import { AppError, messageOf } from '../domain/errors.ts';

/** The wire contract: one Avro schema per topic message, in `schemas/` at the repository root. */
export const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

export type AvroSchemaName = 'domain-event' | 'allocation' | 'iaps-event';

export function readAvroSchema(name: AvroSchemaName): string {
  const text = readFileSync(path.join(schemasDir, `${name}.avsc`), 'utf8');
  // Parsing here fails fast, naming the file, if a schema is not valid Avro.
  avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  return text;
}

/** Subjects follow Confluent's TopicNameStrategy, so any Confluent-compatible tool can read the topics. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** A registry client; `security` (basic auth, a CA to trust) from registrySecurityOptions in security.ts. */
/** A schema of `schemas/` as the registry takes it, and the subject it belongs under for a topic. */
function valueSchemaOf(topic: string, name: AvroSchemaName) {
  return {
    schema: { type: SchemaType.AVRO, schema: readAvroSchema(name) } as const,
    subject: valueSubject(topic),
  };
}

/**
 * The longest one request to the registry may take before it counts as unanswered (a registry that accepts the
 * connection and never answers would otherwise hold a stage, or a start, for good). The client retries it.
 */
export const registryRequestTimeoutMs = 5_000;

export function createSchemaRegistry(
  url: string,
  security: Pick<SchemaRegistryAPIClientArgs, 'auth' | 'agent'> = {},
): SchemaRegistry {
  return new SchemaRegistry({
    host: url,
    ...security,
    // mappersmith's ESM and CommonJS typings name the same request differently: one middleware for both.
    middlewares: [
      TimeoutMiddleware(registryRequestTimeoutMs) as unknown as NonNullable<
        SchemaRegistryAPIClientArgs['middlewares']
      >[number],
    ],
  });
}

/** Registers this version's schemas, for the operator's tool: the registry client stays inside src/kafka. */
export interface SchemaRegistrar {
  register(topic: string, name: AvroSchemaName): Promise<number>;
}

export function schemaRegistrar(
  url: string,
  security: Pick<SchemaRegistryAPIClientArgs, 'auth' | 'agent'> = {},
): SchemaRegistrar {
  const registry = createSchemaRegistry(url, security);
  return { register: (topic, name) => registerValueSchema(registry, topic, name) };
}

/**
 * Registers a schema under a topic's value subject and returns its id. Registering the same schema again
 * returns the same id. BACKWARD compatibility lets consumers on the new schema read older records, which is
 * what replaying a topic after a schema change needs.
 *
 * Two processes starting together race in the client's steps (read the subject's compatibility, register,
 * set the compatibility): Apicurio then answers NONE for a subject whose compatibility is not set yet, or
 * refuses a second compatibility rule. Usually the schema is already there, so its id is looked up; where that
 * look-up fails too (the other process is mid-way), the registration is made again, as every step of it may be.
 */
export async function registerValueSchema(
  registry: SchemaRegistry,
  topic: string,
  name: AvroSchemaName,
): Promise<number> {
  const { schema, subject } = valueSchemaOf(topic, name);
  // The registry client sets no time limit on a request: one that is never answered would hold start-up for
  // good. So each try has a limit, and a try that runs out is made again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withinTime(registrationTimeoutMs, `registering the schema of ${subject}`, async () => {
        try {
          const { id } = await registry.register(schema, { subject, compatibility: COMPATIBILITY.BACKWARD });
          return id;
        } catch (error) {
          // Whatever the race looked like, registration succeeded if the schema is now under the subject.
          return registry.getRegistryIdBySchema(subject, schema).catch(() => {
            throw error;
          });
        }
      });
    } catch (error) {
      const again =
        error instanceof RegistryTimeout
          ? attempt < registrationAttempts
          : isRace(error) && attempt < raceAttempts;
      if (!again) throw error;
      await sleep(raceBackoffMs * attempt * (0.5 + Math.random()));
    }
  }
}

/** What the registry answers a process that registers a subject at the same moment as another. */
function isRace(error: unknown): boolean {
  return /already exists|compatibility does not match the configuration \(\w+ != NONE\)/i.test(
    messageOf(error),
  );
}

/**
 * With SCHEMA_REGISTER off: the id under which this version's schema is registered for the topic. A schema that is
 * not there (none at all, or another, incompatible or not yet registered) stops start-up with a clear message,
 * since records this version writes would otherwise name no schema a reader could find.
 */
export async function lookupValueSchema(
  registry: SchemaRegistry,
  topic: string,
  name: AvroSchemaName,
): Promise<number> {
  const { schema, subject } = valueSchemaOf(topic, name);
  try {
    return await withinTime(registrationTimeoutMs, `looking up the schema of ${subject}`, () =>
      registry.getRegistryIdBySchema(subject, schema),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const latest = await registry.getLatestSchemaId(subject).catch(() => undefined);
    throw new AppError(
      'not-provisioned',
      latest === undefined
        ? `no schema is registered under ${subject}: register schemas/${name}.avsc there (SCHEMA_REGISTER is off, ` +
            'so the service does not; docs/runbook.md)'
        : `the registry holds another schema under ${subject} (latest id ${latest}), not this version's ` +
            `schemas/${name}.avsc: register it there (compatibility BACKWARD; the registry refuses it if it is ` +
            'incompatible) before this version starts, or set SCHEMA_REGISTER=true where the service may',
      { context: { subject, latest }, cause: error },
    );
  }
}

/**
 * The registry's "not found" answers: subject (40401) or schema (40403) not found, or, as the client words a
 * subject that holds other schemas only, "does not match any schema under the subject".
 */
function isNotFound(error: unknown): boolean {
  const status = (error as { status?: number } | null)?.status;
  return status === 404 || /not found|does not match any schema/i.test(messageOf(error));
}

const registrationTimeoutMs = 30_000;
const registrationAttempts = 3;
const raceAttempts = 6;
const raceBackoffMs = 50;

class RegistryTimeout extends Error {}

async function withinTime<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RegistryTimeout(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
