// Least privilege: with KAFKA_CREATE_TOPICS and SCHEMA_REGISTER off (production's defaults) the service creates and
// registers nothing, and stops start-up with a clear line when what it needs is not there; with them on, the
// topics it creates have their replication and retention set explicitly.
import kafkajs from 'kafkajs';
import { startService } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import {
  createSchemaRegistry,
  lookupValueSchema,
  registerValueSchema,
  valueSubject,
} from '../../src/kafka/avro-schemas.ts';
import { checkTopics, ensureTopics } from '../../src/kafka/topics.ts';
import { testLogger, testScope, uniqueName } from '../support/isolation.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';

const spec = (topic: string, partitions = 3) => ({
  topic,
  partitions,
  replicationFactor: 1,
  retentionMs: 123_456_789,
});

describe('topics and schemas the service does not provision itself', () => {
  const scope = testScope('provisioning');
  afterAll(() => scope.close());

  it('are checked: a missing topic or one with too few partitions stops start-up, naming each', async () => {
    const admin = await scope.admin();
    const enough = await scope.topic({ partitions: 3 });
    const tooFew = await scope.topic({ partitions: 1 });
    const missing = uniqueName('missing');
    await expect(checkTopics(admin, [spec(enough)])).resolves.toBeUndefined();
    await expect(checkTopics(admin, [spec(enough), spec(tooFew), spec(missing)])).rejects.toMatchObject({
      code: 'not-provisioned',
      message: expect.stringContaining(
        `Kafka topics are not ready: ${missing} does not exist; ${tooFew} has 1 partitions, fewer than 3. ` +
          'KAFKA_CREATE_TOPICS is off',
      ) as unknown,
    });
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('are created, when the service may, with the replication and retention it was given', async () => {
    const admin = await scope.admin();
    const topic = uniqueName('created');
    expect(await ensureTopics(admin, [spec(topic)])).toEqual([topic]);
    try {
      const { resources } = await admin.describeConfigs({
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
        includeSynonyms: false,
      });
      expect(
        resources[0]?.configEntries.find((entry) => entry.configName === 'retention.ms')?.configValue,
      ).toBe('123456789');
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]?.partitions).toHaveLength(3);
      expect(metadata.topics[0]?.partitions[0]?.replicas).toHaveLength(1);
    } finally {
      await admin.deleteTopics({ topics: [topic] });
    }
  });

  it('are looked up: this version’s schema by its id, and a missing or different one refused with a clear line', async () => {
    const registry = createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const registered = uniqueName('registered');
    const id = await registerValueSchema(registry, registered, 'allocation');
    await expect(lookupValueSchema(registry, registered, 'allocation')).resolves.toBe(id);

    const empty = uniqueName('empty');
    await expect(lookupValueSchema(registry, empty, 'allocation')).rejects.toThrow(
      `no schema is registered under ${valueSubject(empty)}: register schemas/allocation.avsc there`,
    );

    const other = uniqueName('other');
    const otherId = await registerValueSchema(registry, other, 'iaps-event');
    await expect(lookupValueSchema(registry, other, 'allocation')).rejects.toThrow(
      `the registry holds another schema under ${valueSubject(other)} (latest id ${otherId}), not this version's ` +
        'schemas/allocation.avsc',
    );
  });

  it('stop the service at start-up, with KAFKA_CREATE_TOPICS off, before it consumes anything', async () => {
    const stack = await stackEnv();
    const name = uniqueName('least-privilege');
    const config = loadConfig({
      ...stack,
      NODE_ENV: 'production',
      HTTP_PORT: '0',
      HMPPS_AUTH_URL: 'http://127.0.0.1:1',
      HMPPS_AUTH_CLIENT_ID: 'x',
      HMPPS_AUTH_CLIENT_SECRET: 'x',
      DETAIL_URL_ALLOW_LIST: 'http://127.0.0.1:1',
      // Never reached: the missing topics stop the start before any stage opens its database.
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      DOMAIN_EVENTS_TOPIC: `${name}.domain-events`,
      ALLOCATIONS_TOPIC: `${name}.allocations`,
      IAPS_EVENTS_TOPIC: `${name}.iaps-events`,
      DEAD_LETTER_TOPIC: `${name}.dead-letters`,
      CONSUMER_GROUP_PREFIX: name,
    });
    expect({ topics: config.KAFKA_CREATE_TOPICS, schemas: config.SCHEMA_REGISTER }).toEqual({
      topics: false,
      schemas: false,
    });
    await expect(startService(config, ['processor'], testLogger)).rejects.toThrow(
      `Kafka topics are not ready: ${name}.domain-events does not exist`,
    );
    expect((await (await scope.admin()).listTopics()).filter((topic) => topic.startsWith(name))).toEqual([]);
  });
});
