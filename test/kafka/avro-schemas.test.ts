import avro from 'avsc';
import net from 'node:net';
import { classifyError } from '../../src/classify-error.ts';
import {
  createSchemaRegistry,
  registryRequestTimeoutMs,
  readAvroSchema,
  registerValueSchema,
  valueSubject,
} from '../../src/kafka/avro-schemas.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';
import { uniqueName } from '../support/isolation.ts';

describe('Avro schemas through the schema registry', () => {
  it('gives up a request the registry takes and never answers, as the registry being unavailable', async () => {
    // A registry that accepts the connection and says nothing.
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const failure = await createSchemaRegistry(`http://127.0.0.1:${port}`)
        .getSchema(1)
        .then(
          () => undefined,
          (error: unknown) => classifyError(error),
        );
      expect(failure).toMatchObject({
        code: 'registry-unavailable',
        retryable: true,
        dependency: 'schema-registry',
        message: expect.stringContaining(`Timeout (${registryRequestTimeoutMs}ms)`) as string,
      });
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('registers a schema from schemas/, encodes a message with it and decodes it back', async () => {
    const registry = createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const topic = uniqueName('avro');
    const id = await registerValueSchema(registry, topic, 'domain-event');

    const event = {
      messageId: 'b4c0ac1a-6d65-4a0e-9ee6-9bb2e2bd0a65',
      eventType: 'person.community.manager.allocated',
      version: 1,
      detailUrl: 'http://localhost:8080/allocation/person/allocate-new-person-manager',
      occurredAt: '2022-07-28T10:30:54.023+01:00',
      description: 'Person allocated event',
      crn: 'X123456',
      personReference: { identifiers: [{ type: 'CRN', value: 'X123456' }] },
      additionalInformation: '{"allocationId":"4880d097-8a1c-4a0e-9ee6-9bb2e2bd0a65"}',
      publishedAt: 1_658_996_454_023,
    };
    const encoded = await registry.encode(id, event);
    // Confluent wire format: magic byte 0, then the schema id as a big-endian int.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(
      await createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL')).decode(encoded),
    ).toEqual(event);
    expect(await registry.getLatestSchemaId(valueSubject(topic))).toBe(id);
  });

  it('returns the same id when the same schema is registered twice', async () => {
    const registry = createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const topic = uniqueName('avro-twice');
    const first = await registerValueSchema(registry, topic, 'domain-event');
    const second = await registerValueSchema(registry, topic, 'domain-event');
    expect(second).toBe(first);
  });

  it('gives every process the same id when several register a new subject at the same moment', async () => {
    const url = requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL');
    for (let round = 0; round < 30; round += 1) {
      const topic = uniqueName('avro-race');
      const ids = await Promise.all(
        Array.from({ length: 12 }, () => registerValueSchema(createSchemaRegistry(url), topic, 'allocation')),
      );
      expect(new Set(ids).size).toBe(1);
    }
  });

  it('rejects a message that does not fit the schema instead of writing it', async () => {
    const registry = createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const id = await registerValueSchema(registry, uniqueName('avro-invalid'), 'domain-event');
    await expect(registry.encode(id, { eventType: 'event.manager.allocated' })).rejects.toThrow();
    expect(avro.Type.forSchema(JSON.parse(readAvroSchema('domain-event')) as avro.Schema).name).toBe(
      'uk.gov.justice.digital.hmpps.allocations.DomainEvent',
    );
  });
});
