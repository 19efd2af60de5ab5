import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Producer } from 'kafkajs';
import {
  handleSqsBatch,
  handleSqsMessage,
  keepInvisible,
  startSqsSource,
  type SqsSourceDeps,
} from '../../src/connectors/sqs-source.ts';
import { domainEventRecordSchema } from '../../src/domain/topic-records.ts';
import { createSchemaRegistry } from '../../src/kafka/avro-schemas.ts';
import { avroSerde } from '../../src/kafka/serde.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { readExample } from '../support/delius.ts';
import { eventually } from '../support/eventually.ts';
import { testLogger, testScope, uniqueName } from '../support/isolation.ts';
import { consumeCount } from '../support/kafka.ts';
import { awsClients, queueDepth, requireEnv, stackEnv } from '../support/stack.ts';
import { ceiling } from '../support/patience.ts';
import { classifyError } from '../../src/classify-error.ts';
import { publisherOf } from '../../src/kafka/publisher.ts';
import { OutageWatch } from '../../src/kafka/outage-watch.ts';

describe('the SQS source connector', () => {
  const scope = testScope('connector');
  let producer: Producer;
  afterAll(async () => {
    await producer.disconnect();
    await scope.close();
  });

  async function setup(
    options: {
      maxReceiveCount?: number;
      visibilityTimeoutSeconds?: number;
      topic?: { partitions?: number; config?: Record<string, string> };
    } = {},
  ) {
    const { sqs } = await awsClients();
    const queue = await scope.allocationsQueue(options);
    const topic = await scope.topic(options.topic ?? { partitions: 3 });
    const registry = createSchemaRegistry(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const serde = avroSerde(registry);
    await serde.register(topic, 'domain-event');
    producer ??= (await scope.kafka()).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const deps: SqsSourceDeps = {
      sqs,
      queueUrl: queue.queueUrl,
      publisher: publisherOf(producer, serde),
      topic,
      classify: classifyError,
      outages: new OutageWatch({ logger: testLogger, metrics: createMetrics() }),
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      waitTimeSeconds: 1,
      logger: testLogger,
      metrics: createMetrics(),
    };
    const send = (body: string) =>
      sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }));
    const receive = async (waitSeconds = 5): Promise<Message | undefined> =>
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.queueUrl,
            WaitTimeSeconds: waitSeconds,
            MaxNumberOfMessages: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        )
      ).Messages?.[0];
    const inQueue = () => queueDepth(sqs, queue.queueUrl);
    return { sqs, queue, topic, registry, serde, deps, send, receive, inQueue };
  }

  it('publishes a full SNS envelope to Kafka keyed by CRN, then deletes it from the queue', async () => {
    const { deps, send, receive, inQueue, topic, registry } = await setup();
    const envelope = await readExample<{ MessageId: string; Message: string; Timestamp: string }>(
      'person-allocation-message.json',
    );
    const event = JSON.parse(envelope.Message) as { detailUrl: string; additionalInformation: unknown };
    await send(JSON.stringify(envelope));
    const message = await receive();
    expect(await handleSqsMessage(message ?? {}, deps)).toEqual({
      status: 'applied',
      subject: { crn: 'T123456' },
      result: { eventType: 'person.community.manager.allocated' },
    });
    expect(await inQueue()).toBe(0);

    const consumer = (await scope.kafka()).consumer({ groupId: uniqueName('connector-reader') });
    await consumer.connect();
    const [record] = await consumeCount(consumer, topic, 1);
    await consumer.disconnect();
    expect(record?.key).toBe('T123456');
    expect(domainEventRecordSchema.parse(await registry.decode(record?.value as Buffer))).toMatchObject({
      messageId: envelope.MessageId,
      eventType: 'person.community.manager.allocated',
      crn: 'T123456',
      detailUrl: event.detailUrl,
      publishedAt: Date.parse(envelope.Timestamp),
      additionalInformation: JSON.stringify(event.additionalInformation),
    });
  });

  it('accepts the cut-down envelope of the examples', async () => {
    const { deps, send, receive } = await setup();
    await send(JSON.stringify(await readExample('event-allocation-message.json')));
    expect(await handleSqsMessage((await receive()) ?? {}, deps)).toMatchObject({
      status: 'applied',
      subject: { crn: 'X123456' },
    });
  });

  it('acknowledges an event without detailUrl and publishes nothing (M2)', async () => {
    const { deps, send, receive, inQueue } = await setup();
    await send(
      JSON.stringify({ Message: JSON.stringify({ eventType: 'event.manager.allocated', version: 1 }) }),
    );
    expect(await handleSqsMessage((await receive()) ?? {}, deps)).toEqual({
      status: 'ignored',
      subject: {},
      reason: 'no detailUrl',
      properties: {},
    });
    expect(await inQueue()).toBe(0);
  });

  it('leaves a body that is not JSON, or not a domain event, to the redrive: it ends on the dead-letter queue', async () => {
    const { deps, send, sqs, queue } = await setup({ maxReceiveCount: 2 });
    const outcomes: string[] = [];
    const source = startSqsSource(deps, {
      onOutcome: (outcome) =>
        outcomes.push(outcome.status === 'dead-letter' ? outcome.error.message : outcome.status),
    });
    try {
      await send('{"Message": "not an event');
      await send(JSON.stringify({ Message: JSON.stringify({ version: 1 }) }));
      // Each receive hides what it returns, so what the polls have seen is gathered.
      const seen = new Map<string, Message>();
      const deadLetters = await eventually(
        async () => {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queue.deadLetterQueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          );
          for (const message of Messages) seen.set(message.MessageId ?? '', message);
          return seen.size === 2 ? [...seen.values()] : false;
        },
        { timeoutMs: ceiling(30_000) },
      );
      expect(deadLetters.map((message) => message.Body).sort()).toEqual(
        [JSON.stringify({ Message: JSON.stringify({ version: 1 }) }), '{"Message": "not an event'].sort(),
      );
      expect(outcomes.some((reason) => reason.startsWith('not JSON'))).toBe(true);
      expect(
        outcomes.some(
          (reason) => reason.startsWith('not an HMPPS domain event') && reason.includes('eventType'),
        ),
      ).toBe(true);
    } finally {
      await source.stop();
    }
  });

  it('leaves to the dead-letter queue, without holding back the rest, a message the Avro contract refuses', async () => {
    const { deps, send, receive, inQueue } = await setup();
    const event = JSON.parse(
      (await readExample<{ Message: string }>('event-allocation-message.json')).Message,
    ) as Record<string, unknown>;
    // Fits JSON and a plain integer, but not Avro's 32-bit int.
    await send(JSON.stringify({ Message: JSON.stringify({ ...event, version: 3_000_000_000 }) }));
    const outcome = await handleSqsMessage((await receive()) ?? {}, deps);
    expect(outcome).toMatchObject({ status: 'dead-letter', error: { code: 'invalid-message' } });
    // Made visible again at once, for the queue's redrive to move after its last receive.
    expect(await inQueue()).toBe(1);
  });

  it('publishes a receive batch in one request, deleting it in one call, and refuses only the record Kafka cannot take', async () => {
    // One partition, whose records the broker takes up to 4,000 bytes a batch: all of the batch or none of it.
    const { deps, topic, send, sqs, queue, inQueue } = await setup({
      topic: { partitions: 1, config: { 'max.message.bytes': '4000' } },
    });
    const event = JSON.parse(
      (await readExample<{ Message: string }>('event-allocation-message.json')).Message,
    ) as Record<string, unknown>;
    const body = (crn: string, padding = '') =>
      JSON.stringify({
        Message: JSON.stringify({
          ...event,
          additionalInformation: { padding },
          personReference: { identifiers: [{ type: 'CRN', value: crn }] },
        }),
      });
    await send(body('A000001'));
    await send(body('A000002', 'x'.repeat(6_000))); // within the body limit, past what the topic takes
    await send(body('A000003'));
    await send(
      JSON.stringify({ Message: JSON.stringify({ eventType: 'event.manager.allocated', version: 1 }) }),
    );
    const messages: Message[] = [];
    await eventually(async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      messages.push(...(received.Messages ?? []));
      return messages.length === 4 || undefined;
    });
    const requests: number[] = [];
    const outcomes = await handleSqsBatch(messages, {
      ...deps,
      publisher: {
        publish: (emits) => {
          requests.push(emits.length);
          return deps.publisher.publish(emits);
        },
        publishMarks: (marks) => deps.publisher.publishMarks(marks),
      },
    });
    const byCrn = Object.fromEntries(
      outcomes.map((outcome) => [outcome.subject.crn ?? 'none', outcome.status] as const),
    );
    expect(byCrn).toEqual({
      A000001: 'applied',
      A000002: 'dead-letter',
      A000003: 'applied',
      none: 'ignored',
    });
    // One request for the batch; refused as a whole, then one a record to find the one Kafka cannot take.
    expect(requests).toEqual([3, 1, 1, 1]);
    const consumer = (await scope.kafka()).consumer({ groupId: uniqueName('connector-reader') });
    await consumer.connect();
    const records = await consumeCount(consumer, topic, 2);
    await consumer.disconnect();
    expect(records.map((record) => record.key).sort()).toEqual(['A000001', 'A000003']);
    // Deleted but the refused one, which is visible again at once for the redrive.
    expect(await eventually(async () => ((await inQueue()) === 1 ? 1 : undefined))).toBe(1);
  });

  it('leaves a body larger than its limit to the dead-letter queue, unread', async () => {
    const { deps, send, receive, inQueue } = await setup();
    await send(
      JSON.stringify({ Message: JSON.stringify({ eventType: 'x', version: 1, pad: 'x'.repeat(2_000) }) }),
    );
    const outcome = await handleSqsMessage((await receive()) ?? {}, { ...deps, maxBodyBytes: 1_000 });
    expect(outcome).toMatchObject({
      status: 'dead-letter',
      error: {
        code: 'invalid-message',
        message: expect.stringMatching(/^the body is \d+ bytes, more than 1000$/) as string,
      },
    });
    expect(await inQueue()).toBe(1);
  });

  it('holds a message while Kafka cannot take it, past its retries, without spending a receive, and publishes it once Kafka can', async () => {
    const { deps, serde, send, inQueue } = await setup({ visibilityTimeoutSeconds: 1 });
    const unacknowledging = (await scope.kafka()).producer({
      retry: { retries: 0 },
      allowAutoTopicCreation: false,
    });
    await unacknowledging.connect();
    // A topic the broker does not have yet, though its schema is registered: the record encodes, Kafka refuses it.
    const lateTopic = uniqueName('late-topic');
    await serde.register(lateTopic, 'domain-event');
    const outcomes: string[] = [];
    const outages = deps.outages;
    const source = startSqsSource(
      {
        ...deps,
        publisher: publisherOf(unacknowledging, serde),
        topic: lateTopic,
        retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 500 },
      },
      { onOutcome: (outcome) => outcomes.push(outcome.status) },
    );
    const admin = await scope.admin();
    try {
      await send(JSON.stringify(await readExample('event-allocation-message.json')));
      // Past its two attempts, it waits (Kafka is down for it), kept invisible: the visibility timeout is 1 s.
      await eventually(() => outages.isDown('kafka'), { timeoutMs: ceiling(30_000) });
      await admin.createTopics({ topics: [{ topic: lateTopic, numPartitions: 1 }], waitForLeaders: true });
      await eventually(() => outcomes.length > 0, { timeoutMs: ceiling(60_000) });
      expect(outcomes).toEqual(['applied']);
      expect(outages.isDown('kafka')).toBe(false);
      await eventually(async () => (await inQueue()) === 0);
      expect((await admin.fetchTopicOffsets(lateTopic)).map((partition) => partition.high)).toEqual(['1']);
    } finally {
      await source.stop();
      await unacknowledging.disconnect();
      await admin.deleteTopics({ topics: [lateTopic] }).catch(() => undefined);
    }
  });

  it('keeps a message it is still working on invisible to other pollers', async () => {
    const { deps, send, receive } = await setup({ visibilityTimeoutSeconds: 1 });
    await send(JSON.stringify(await readExample('event-allocation-message.json')));
    const message = await receive();
    expect(message).toBeDefined();
    const release = keepInvisible([message as Message], { ...deps, visibilityTimeoutSeconds: 1 });
    try {
      // Three seconds of polling, three visibility timeouts: the renewals keep it from being received again.
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline) expect(await receive(1)).toBeUndefined();
    } finally {
      release();
    }
    expect((await eventually(() => receive(1)))?.MessageId).toBe(message?.MessageId);
  });
});
