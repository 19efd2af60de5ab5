import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { classifyError } from '../../src/classify-error.ts';
import { SourceWatermark } from '../../src/connectors/source-watermark.ts';
import { handleSqsBatch, type SqsSourceDeps } from '../../src/connectors/sqs-source.ts';
import { AppError } from '../../src/domain/errors.ts';
import type { Emit } from '../../src/kafka/stage.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { OutageWatch } from '../../src/kafka/outage-watch.ts';

/** An SNS notification of an allocation of the person with this CRN (no detail URL: acknowledged only). */
const body = (crn: string, detailUrl: string | null = 'https://workload.example/allocation/1') =>
  JSON.stringify({
    MessageId: `m-${crn}`,
    Message: JSON.stringify({
      eventType: 'person.community.manager.allocated',
      version: 1,
      ...(detailUrl ? { detailUrl } : {}),
      personReference: { identifiers: [{ type: 'CRN', value: crn }] },
    }),
  });
const message = (crn: string, detailUrl?: string | null): Message => ({
  MessageId: `sqs-${crn}`,
  ReceiptHandle: `receipt-${crn}`,
  Body: body(crn, detailUrl),
});

/** A connector whose SQS and Kafka are fakes that record what they were asked; `refuse` decides each publish. */
function connector(refuse: (emits: readonly Emit[]) => Error | undefined) {
  const published: string[][] = [];
  const sqsCommands: { name: string; entries: number }[] = [];
  const sqs = {
    send: (command: { constructor: { name: string }; input: { Entries?: unknown[] } }) => {
      sqsCommands.push({ name: command.constructor.name, entries: command.input.Entries?.length ?? 0 });
      return Promise.resolve({});
    },
  } as unknown as SQSClient;
  const deps: SqsSourceDeps = {
    sqs,
    queueUrl: 'http://sqs.local/000000000000/q',
    visibilityTimeoutSeconds: 30,
    waitTimeSeconds: 1,
    topic: 'domain-events',
    classify: classifyError,
    outages: new OutageWatch({ logger: createLogger({ level: 'silent' }), metrics: createMetrics() }),
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    publisher: {
      publish(emits) {
        published.push(emits.map((emit) => emit.key));
        const refused = refuse(emits);
        return refused ? Promise.reject(refused) : Promise.resolve();
      },
      publishMarks: () => Promise.resolve(),
    },
  };
  return { deps, published, sqsCommands };
}

describe('a receive batch through the connector', () => {
  it('publishes the whole batch in one request and deletes it in one call', async () => {
    const { deps, published, sqsCommands } = connector(() => undefined);
    const outcomes = await handleSqsBatch(
      [message('A000001'), message('A000002'), message('A000003', null)],
      deps,
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'applied', 'ignored']);
    expect(published).toEqual([['A000001', 'A000002']]);
    expect(sqsCommands).toEqual([{ name: 'DeleteMessageBatchCommand', entries: 3 }]);
  });

  it('holds the whole batch while Kafka is down, past the retries, and publishes and deletes it once Kafka is back', async () => {
    let refusals = 0;
    const { deps, published, sqsCommands } = connector(() => {
      refusals += 1;
      return refusals <= 6
        ? Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
            name: 'KafkaJSConnectionError',
          })
        : undefined;
    });
    const outcomes = await handleSqsBatch([message('A000001'), message('A000002')], deps);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'applied']);
    // The batch, then A000001 alone until Kafka takes it (past its three attempts), then A000002.
    expect(published).toEqual([
      ['A000001', 'A000002'],
      ['A000001'],
      ['A000001'],
      ['A000001'],
      ['A000001'],
      ['A000001'],
      ['A000001'],
      ['A000002'],
    ]);
    // Nothing made visible again: no receive is spent on an outage.
    expect(sqsCommands).toEqual([{ name: 'DeleteMessageBatchCommand', entries: 2 }]);
    expect(deps.outages.isDown('kafka')).toBe(false);
  });

  it('retries a message that fails in a way that is no outage, then leaves it and every later one that publishes to SQS, so that none overtakes it', async () => {
    const down = new AppError('timeout', 'the request timed out', { retryable: true });
    const { deps, published, sqsCommands } = connector((emits) =>
      emits.some((emit) => emit.key === 'A000002') ? down : undefined,
    );
    const outcomes = await handleSqsBatch(
      [
        message('A000001'),
        message('A000002'),
        message('A000003'),
        message('A000004', null),
        { Body: 'not json' },
      ],
      deps,
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'applied',
      'retry',
      'retry',
      'ignored',
      'dead-letter',
    ]);
    // The batch, then each message alone: A000002 three times (its retries), A000003 never.
    expect(published).toEqual([
      ['A000001', 'A000002', 'A000003'],
      ['A000001'],
      ['A000002'],
      ['A000002'],
      ['A000002'],
    ]);
    expect(sqsCommands).toEqual(
      expect.arrayContaining([
        { name: 'DeleteMessageBatchCommand', entries: 2 },
        { name: 'ChangeMessageVisibilityBatchCommand', entries: 1 },
      ]),
    );
  });

  it('keeps the watermark at what it left to SQS, and lets go of what reached Kafka or needs no Kafka', async () => {
    const down = new AppError('timeout', 'the request timed out', { retryable: true });
    const { deps } = connector((emits) => (emits.some((emit) => emit.key === 'A000002') ? down : undefined));
    const watermark = new SourceWatermark({ lateMs: 0, expiryMs: 35_000 });
    const sentAt = (crn: string, at: number): Message => ({
      ...message(crn),
      Attributes: { SentTimestamp: String(at) },
    });
    const batch = [sentAt('A000001', 1_000), sentAt('A000002', 2_000), sentAt('A000003', 3_000)];
    watermark.receiving(0);
    watermark.received(
      new Map(batch.map((each) => [each.MessageId ?? '', Number(each.Attributes?.SentTimestamp)])),
      false,
      5_000,
    );
    expect(watermark.current(5_000)).toBe(1_000);
    const outcomes = await handleSqsBatch(batch, { ...deps, watermark });
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'retry', 'retry']);
    // A000001 is on Kafka; A000002 and A000003 are back with SQS until they can be taken again.
    expect(watermark.current(Date.now())).toBe(2_000);
    expect(watermark.holding(Date.now() + 34_000)).toBe(true);
    expect(watermark.holding(Date.now() + 36_000)).toBe(false);
  });

  it('refuses only the record the broker will never take, and says why it cannot be published', async () => {
    const tooLarge = Object.assign(new Error('the record is too large'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
    });
    const { deps } = connector((emits) =>
      emits.some((emit) => emit.key === 'A000002') ? tooLarge : undefined,
    );
    const outcomes = await handleSqsBatch([message('A000001'), message('A000002'), message('A000003')], deps);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'dead-letter', 'applied']);
    expect(outcomes[1]).toMatchObject({
      error: { code: 'invalid-message', message: expect.stringMatching(/^cannot be published: /) as string },
    });
  });

  it('leaves a message nested deeper than JSON can encode to the dead-letter queue, and publishes its neighbours', async () => {
    const deep = `${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}`;
    const poisoned: Message = {
      MessageId: 'sqs-deep',
      ReceiptHandle: 'receipt-deep',
      Body: JSON.stringify({
        MessageId: 'm-deep',
        Message: `{"eventType":"person.community.manager.allocated","version":1,"detailUrl":"https://workload.example/1","additionalInformation":${deep}}`,
      }),
    };
    const { deps, published } = connector(() => undefined);
    const outcomes = await handleSqsBatch([message('A000001'), poisoned, message('A000003')], deps);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'dead-letter', 'applied']);
    expect(outcomes[1]).toMatchObject({
      error: { code: 'invalid-message', message: expect.stringMatching(/nested too deeply/) as string },
    });
    expect(published).toEqual([['A000001', 'A000003']]);
  });
});
