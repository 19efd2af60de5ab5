import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseNotification } from '../domain/domain-event.ts';
import { AppError, messageOf } from '../domain/errors.ts';
import type { Outcome } from '../domain/outcome.ts';
import { toDomainEventRecord } from '../domain/topic-records.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * How one SQS message ended: `applied` is published to Kafka (and deleted from SQS); `ignored` acknowledged
 * without a detail URL; `dead-letter` left to the queue's redrive into the SQS dead-letter queue; `retry` left
 * in flight for SQS to deliver again.
 */
export type SourceOutcome = Outcome<{ readonly eventType: string }>;

export interface SqsSourceDeps {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly publisher: Publisher;
  readonly topic: string;
  readonly classify: (error: unknown) => AppError;
  readonly visibilityTimeoutSeconds: number;
  /** The largest body taken on; a larger one is left to the dead-letter queue unread. */
  readonly maxBodyBytes?: number;
  /** Long-poll wait; also the longest a stop waits for the receive in flight. */
  readonly waitTimeSeconds: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

function publishedAt(envelopeTimestamp: string | undefined, message: Message): number | null {
  const fromEnvelope = envelopeTimestamp ? Date.parse(envelopeTimestamp) : Number.NaN;
  if (!Number.isNaN(fromEnvelope)) return fromEnvelope;
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) ? sent : null;
}

/**
 * One SQS message: validate it (rule M1, M2), publish it to the domain-events topic keyed by CRN, and delete
 * it only once Kafka has acknowledged the record. An invalid message is not deleted: it is made visible again
 * at once, so the queue's redrive policy moves it to the dead-letter queue after its last allowed receive.
 */
export async function handleSqsMessage(message: Message, deps: SqsSourceDeps): Promise<SourceOutcome> {
  const log = deps.logger.child({
    sqsMessageId: message.MessageId,
    receiveCount: message.Attributes?.ApproximateReceiveCount,
  });
  /** Made visible again at once: the queue's redrive moves it to the dead-letter queue after its last receive. */
  const leaveToDeadLetterQueue = async (error: AppError, subject = {}): Promise<SourceOutcome> => {
    log.error(
      { code: error.code, reason: error.message },
      'invalid message: leaving it to the dead-letter queue',
    );
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    return { status: 'dead-letter', subject, error };
  };
  const bodyBytes = Buffer.byteLength(message.Body ?? '');
  const maxBodyBytes = deps.maxBodyBytes ?? 262_144;
  if (bodyBytes > maxBodyBytes)
    return leaveToDeadLetterQueue(
      new AppError('invalid-message', `the body is ${bodyBytes} bytes, more than ${maxBodyBytes}`),
    );
  let parsed;
  try {
    parsed = parseNotification(message.Body ?? '');
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `not JSON: ${error.message}`
        : `not an HMPPS domain event: ${messageOf(error)}`;
    return leaveToDeadLetterQueue(new AppError('invalid-message', reason));
  }
  const { envelope, event } = parsed;
  // The SNS message id names the allocation in every stage's log lines and headers, from here to Delius.
  const messageId = envelope.MessageId ?? message.MessageId ?? crypto.randomUUID();
  if (!event.detailUrl) {
    await deps.sqs.send(
      new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    log.info({ messageId, eventType: event.eventType }, 'no detailUrl: acknowledged');
    return { status: 'ignored', subject: {}, reason: 'no detailUrl', properties: {} };
  }
  const record = toDomainEventRecord(event, messageId, publishedAt(envelope.Timestamp, message));
  const subject = { crn: record.crn };
  try {
    await deps.publisher.publish([
      {
        topic: deps.topic,
        key: record.crn ?? messageId,
        value: record,
        headers: { 'message-id': messageId },
      },
    ]);
  } catch (thrown) {
    const error = deps.classify(thrown);
    // A record no retry can publish (one the Avro contract or the broker refuses): not for the rest to wait on.
    if (!error.retryable)
      return leaveToDeadLetterQueue(
        new AppError('invalid-message', `cannot be published: ${error.message}`, { cause: error }),
        subject,
      );
    // Kafka or the registry is down: leave the message in flight; SQS redelivers it after the visibility timeout.
    log.warn({ messageId, code: error.code, reason: error.message }, 'could not publish: SQS will redeliver');
    return { status: 'retry', subject, error };
  }
  await deps.sqs.send(
    new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
  );
  log.info({ messageId, crn: record.crn, eventType: event.eventType }, 'published');
  return { status: 'applied', subject, result: { eventType: event.eventType } };
}

/**
 * Keeps the messages of a batch invisible while they are in hand (for example while Kafka is slow to
 * acknowledge), instead of letting SQS hand them to another poller: renews at half the visibility timeout.
 */
export function keepInvisible(messages: readonly Message[], deps: SqsSourceDeps): () => void {
  const timer = setInterval(
    () => {
      const entries = messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: deps.visibilityTimeoutSeconds,
      }));
      deps.sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: deps.queueUrl, Entries: entries }))
        .catch((error: unknown) => {
          deps.logger.warn(
            { error: messageOf(error) },
            'could not extend the visibility of messages in flight',
          );
        });
    },
    (deps.visibilityTimeoutSeconds * 1000) / 2,
  );
  return () => clearInterval(timer);
}

export interface SqsSource {
  isReady(): boolean;
  stop(): Promise<void>;
}

/**
 * Long-polls the queue until stopped. A stop lets the receive in flight finish and handles what it returned:
 * a receive abandoned half-way can still take messages on the SQS side, which would then stay invisible for
 * the whole visibility timeout before anyone else could have them.
 */
export function startSqsSource(
  deps: SqsSourceDeps,
  hooks: { onOutcome?: (outcome: SourceOutcome) => void } = {},
): SqsSource {
  const controller = new AbortController();
  let healthy = true;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      let messages: Message[];
      try {
        const received = await deps.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: deps.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: deps.waitTimeSeconds,
            VisibilityTimeout: deps.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = received.Messages ?? [];
        healthy = true;
      } catch (error) {
        if (controller.signal.aborted) break;
        healthy = false;
        deps.logger.error({ error: messageOf(error) }, 'cannot receive from SQS; trying again shortly');
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        continue;
      }
      if (messages.length === 0) continue;
      const release = keepInvisible(messages, deps);
      try {
        // In receive order, one at a time: a CRN's messages reach Kafka in the order SQS gave them. After a
        // failed publish the rest of the batch is left to SQS, so a later message cannot overtake it.
        for (const message of messages) {
          const outcome = await handleSqsMessage(message, deps);
          deps.metrics.messages.inc({ stage: 'connector', kind: 'unknown', outcome: outcome.status });
          if (outcome.status === 'dead-letter')
            deps.metrics.deadLetters.inc({ stage: 'connector', code: outcome.error.code });
          hooks.onOutcome?.(outcome);
          if (outcome.status === 'retry') break;
        }
      } finally {
        release();
      }
    }
  })();
  return {
    isReady: () => healthy,
    async stop() {
      controller.abort();
      await loop;
    },
  };
}
