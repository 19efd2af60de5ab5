// Records the service did not write, put straight on its topics: each is a dead letter with its reason, the stage
// stays alive, and the allocations behind them are applied.
import avro from 'avsc';
import { createSchemaRegistry, readAvroSchema, valueSubject } from '../../src/kafka/avro-schemas.ts';
import { deadLetterHeader } from '../../src/kafka/dead-letters.ts';
import { maxHeaders, maxKeyBytes } from '../../src/kafka/record-bounds.ts';
import { eventually } from '../support/eventually.ts';
import type { Message } from 'kafkajs';
import { testScope, type TestScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { allocationsCli } from '../support/processes.ts';
import { seedPeople, syntheticAllocation } from '../support/synthetic-allocations.ts';

async function liveness(pipeline: TestPipeline) {
  const response = await fetch(`http://127.0.0.1:${pipeline.service?.httpPort}/health/liveness`);
  return response.status;
}

/** Writes records straight to a topic, past the connector, as a producer the service does not know would. */
async function writeStraight(scope: TestScope, topic: string, messages: Message[]): Promise<void> {
  const producer = (await scope.kafka()).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

describe('a record on a topic that the service did not write', () => {
  const scope = testScope('e2e-hostile-records');
  let pipeline: TestPipeline;
  beforeAll(async () => {
    pipeline = await testPipeline(scope, { env: { TOPIC_PARTITIONS: '1' } });
  });
  afterAll(async () => {
    await pipeline.close();
    await scope.close();
  });

  it('with a key longer than any the service writes is a dead letter, keyless, and the processor goes on', async () => {
    const crns = ['H000001', 'H000002'];
    await seedPeople(pipeline, crns);
    // 40 times the longest key the service writes, on the one partition the good allocations follow it on.
    // (A probe's 600 KB key held the processor for over a minute, when its dead letter was produced with it:
    // writing one from this process would hold the service under test the same way.)
    await writeStraight(scope, pipeline.config.DOMAIN_EVENTS_TOPIC, [
      { key: 'K'.repeat(10_000), value: Buffer.from('not Avro'), headers: { 'message-id': 'huge-key' } },
    ]);
    const good = [];
    for (const crn of crns)
      good.push(await pipeline.publish(syntheticAllocation(pipeline, crn, 'PERSON', 0)));

    expect(await pipeline.outcomeFor('processor', 'huge-key', ceiling(60_000))).toMatchObject({
      status: 'dead-letter',
      error: { code: 'invalid-message', message: `the key is 10000 bytes, more than ${maxKeyBytes}` },
    });
    const letter = await pipeline.deadLetterOf('huge-key');
    expect(letter.key ?? null).toBeNull();
    expect(letter.headers).toMatchObject({
      [deadLetterHeader.stage]: 'processor',
      [deadLetterHeader.code]: 'invalid-message',
    });
    for (const messageId of good)
      expect(await eventually(() => pipeline.outcomeOf('sink', messageId) ?? false)).toMatchObject({
        status: 'applied',
      });
    expect(await liveness(pipeline)).toBe(200);
  });
  it('declaring half a billion array items in a few bytes is a dead letter, read by no one, and the processor goes on', async () => {
    await seedPeople(pipeline, ['H000003']);
    const registry = createSchemaRegistry(pipeline.config.SCHEMA_REGISTRY_URL);
    const schemaId = await registry.getLatestSchemaId(valueSubject(pipeline.config.DOMAIN_EVENTS_TOPIC));
    // The domain event with its identifiers' array count written as a long: 500,000,000 items, no bytes for them.
    const declared = JSON.parse(
      readAvroSchema('domain-event').replace(
        /\{\s*"type": "array",\s*"items": \{\s*"type": "record",\s*"name": "PersonIdentifier"[\s\S]*?\]\s*\}\s*\}/,
        '"long"',
      ),
    ) as avro.Schema;
    const payload = avro.Type.forSchema(declared).toBuffer({
      messageId: 'hostile-avro',
      eventType: 'person.community.manager.allocated',
      version: 1,
      detailUrl: null,
      occurredAt: null,
      description: null,
      crn: 'H000003',
      personReference: { identifiers: 500_000_000 },
      additionalInformation: null,
      publishedAt: null,
    });
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    await writeStraight(scope, pipeline.config.DOMAIN_EVENTS_TOPIC, [
      {
        key: 'H000003',
        value: Buffer.concat([header, payload]),
        headers: { 'message-id': 'hostile-avro' },
      },
    ]);
    const good = await pipeline.publish(syntheticAllocation(pipeline, 'H000003', 'PERSON', 0));

    expect(await pipeline.outcomeFor('processor', 'hostile-avro', ceiling(60_000))).toMatchObject({
      status: 'dead-letter',
      error: {
        code: 'invalid-message',
        message: expect.stringContaining('an array of 500000000 items') as string,
      },
    });
    expect(await eventually(() => pipeline.outcomeOf('sink', good) ?? false)).toMatchObject({
      status: 'applied',
    });
    expect(await liveness(pipeline)).toBe(200);
  });

  it('with twenty thousand headers is a dead letter without them, decoded in linear time, and the processor goes on', async () => {
    await seedPeople(pipeline, ['H000004']);
    // About 200 KB of headers: kafkajs's own decoding took minutes over them, its consumer fenced meanwhile
    // (patches/kafkajs+2.2.4.patch).
    const headers: Record<string, string> = { 'message-id': 'many-headers' };
    for (let index = 0; index < 20_000; index += 1) headers[`h-${index}`] = 'x';
    await writeStraight(scope, pipeline.config.DOMAIN_EVENTS_TOPIC, [
      { key: 'H000004', value: Buffer.from('not Avro'), headers },
    ]);
    const good = await pipeline.publish(syntheticAllocation(pipeline, 'H000004', 'PERSON', 0));

    expect(await pipeline.outcomeFor('processor', 'many-headers', ceiling(60_000))).toMatchObject({
      status: 'dead-letter',
      error: { code: 'invalid-message', message: `the record has 20001 headers, more than ${maxHeaders}` },
    });
    const letter = await pipeline.deadLetterOf('many-headers');
    expect(letter.headers).toMatchObject({
      'message-id': 'many-headers',
      [deadLetterHeader.code]: 'invalid-message',
      [deadLetterHeader.truncated]: 'value of 8 bytes cut to 8; 20001 headers left out',
    });
    expect(letter.headers['h-0']).toBeUndefined();
    expect(await eventually(() => pipeline.outcomeOf('sink', good) ?? false)).toMatchObject({
      status: 'applied',
    });
    expect(await liveness(pipeline)).toBe(200);
  });
});

describe('a dead letter too large for the dead-letter topic', () => {
  const scope = testScope('e2e-large-letter');
  afterAll(() => scope.close());

  it('is written without the whole record, saying what was left out, and the processor goes on', async () => {
    // A dead-letter topic that takes records of up to 3,000 bytes, and a record that fits its own topic but,
    // with its 40 headers (within the bounds of a record) and the reason added, not that one.
    const deadLetters = await scope.topic({ partitions: 1, config: { 'max.message.bytes': '3000' } });
    const pipeline = await testPipeline(scope, {
      env: { TOPIC_PARTITIONS: '1', DEAD_LETTER_TOPIC: deadLetters },
    });
    try {
      await seedPeople(pipeline, ['L000001']);
      const headers: Record<string, string> = { 'message-id': 'large-letter' };
      for (let index = 0; index < 40; index += 1) headers[`h-${index}`] = 'x'.repeat(60);
      await writeStraight(scope, pipeline.config.DOMAIN_EVENTS_TOPIC, [
        { key: 'L000001', value: Buffer.alloc(2_500, 'n'), headers },
      ]);
      const good = await pipeline.publish(syntheticAllocation(pipeline, 'L000001', 'PERSON', 0));

      expect(await pipeline.outcomeFor('processor', 'large-letter', ceiling(60_000))).toMatchObject({
        status: 'dead-letter',
        error: { code: 'invalid-message' },
      });
      const letter = await pipeline.deadLetterOf('large-letter');
      expect(letter.headers).toMatchObject({
        [deadLetterHeader.code]: 'invalid-message',
        [deadLetterHeader.stage]: 'processor',
        [deadLetterHeader.topic]: pipeline.config.DOMAIN_EVENTS_TOPIC,
        [deadLetterHeader.truncated]: 'value of 2500 bytes cut to 1024; 41 headers left out',
      });
      expect(letter.raw).toEqual(Buffer.alloc(1_024, 'n'));
      expect(letter.headers['h-0']).toBeUndefined();
      // Its excerpt never goes back as if it were the record.
      const redrive = await allocationsCli(['dead-letters', 'redrive', '--all'], pipeline.env);
      expect(redrive.code).toBe(0);
      expect(redrive.stdout).toMatch(
        new RegExp(
          `skipping 0:\\d+, written without the whole record: replay it from ${pipeline.config.DOMAIN_EVENTS_TOPIC} partition 0 offset 0`,
        ),
      );
      expect(redrive.stdout).not.toContain('sent ');
      expect(await eventually(() => pipeline.outcomeOf('sink', good) ?? false)).toMatchObject({
        status: 'applied',
      });
      expect(await liveness(pipeline)).toBe(200);
    } finally {
      await pipeline.close();
    }
  });
});
