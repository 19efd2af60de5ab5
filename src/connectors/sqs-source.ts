import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseNotification } from '../domain/domain-event.ts';
import { AppError, messageOf } from '../domain/errors.ts';
import type { Outcome } from '../domain/outcome.ts';
import { toDomainEventRecord } from '../domain/topic-records.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { Emit } from '../kafka/stage.ts';
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

/** What a received message asks for, decided from its body alone. */
type Prepared =
  | { readonly kind: 'invalid'; readonly message: Message; readonly error: AppError }
  | {
      readonly kind: 'acknowledge';
      readonly message: Message;
      readonly messageId: string;
      readonly eventType: string;
    }
  | {
      readonly kind: 'publish';
      readonly message: Message;
      readonly messageId: string;
      readonly eventType: string;
      readonly emit: Emit;
      readonly crn: string | undefined;
    };

/** Rules M1, M2 and the size limit: what to do with one message. */
function prepare(message: Message, deps: SqsSourceDeps): Prepared {
  const bodyBytes = Buffer.byteLength(message.Body ?? '');
  const maxBodyBytes = deps.maxBodyBytes ?? 262_144;
  if (bodyBytes > maxBodyBytes)
    return {
      kind: 'invalid',
      message,
      error: new AppError('invalid-message', `the body is ${bodyBytes} bytes, more than ${maxBodyBytes}`),
    };
  let parsed;
  try {
    parsed = parseNotification(message.Body ?? '');
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `not JSON: ${error.message}`
        : `not an HMPPS domain event: ${messageOf(error)}`;
    return { kind: 'invalid', message, error: new AppError('invalid-message', reason) };
  }
  const { envelope, event } = parsed;
  // The SNS message id names the allocation in every stage's log lines and headers, from here to Delius.
  const messageId = envelope.MessageId ?? message.MessageId ?? crypto.randomUUID();
  if (!event.detailUrl) return { kind: 'acknowledge', message, messageId, eventType: event.eventType };
  const record = toDomainEventRecord(event, messageId, publishedAt(envelope.Timestamp, message));
  return {
    kind: 'publish',
    message,
    messageId,
    eventType: event.eventType,
    crn: record.crn ?? undefined,
    emit: {
      topic: deps.topic,
      key: record.crn ?? messageId,
      value: record,
      headers: { 'message-id': messageId },
    },
  };
}

type ToPublish = Extract<Prepared, { kind: 'publish' }>;
type Published = { readonly item: ToPublish; readonly error?: AppError };

/**
 * Publishes a receive batch in one request. When the broker or the contract refuses a record no retry can
 * publish, the batch is published again one record at a time, in order, so that only that record is refused;
 * a failure a retry can mend leaves it and every record after it to SQS, so no later record overtakes it.
 */
async function publishInOrder(items: readonly ToPublish[], deps: SqsSourceDeps): Promise<Published[]> {
  if (items.length === 0) return [];
  let failure: AppError;
  try {
    await deps.publisher.publish(items.map((item) => item.emit));
    return items.map((item) => ({ item }));
  } catch (thrown) {
    failure = deps.classify(thrown);
  }
  if (failure.retryable || items.length === 1) return items.map((item) => ({ item, error: failure }));
  const results: Published[] = [];
  for (const [index, item] of items.entries()) {
    try {
      await deps.publisher.publish([item.emit]);
      results.push({ item });
    } catch (thrown) {
      const error = deps.classify(thrown);
      if (!error.retryable) {
        results.push({ item, error });
        continue;
      }
      for (const rest of items.slice(index)) results.push({ item: rest, error });
      break;
    }
  }
  return results;
}

/**
 * A receive batch: validate each message (rules M1, M2), publish the valid ones to the domain-events topic
 * keyed by CRN in one request, and delete what Kafka acknowledged (and what needs no detail) with one
 * DeleteMessageBatch. An invalid message is not deleted: it is made visible again at once, so the queue's
 * redrive policy moves it to the dead-letter queue after its last allowed receive. Outcomes are in receive
 * order.
 */
export async function handleSqsBatch(
  messages: readonly Message[],
  deps: SqsSourceDeps,
): Promise<SourceOutcome[]> {
  const prepared = messages.map((message) => prepare(message, deps));
  const published = new Map<Message, Published>();
  for (const result of await publishInOrder(
    prepared.filter((item): item is ToPublish => item.kind === 'publish'),
    deps,
  ))
    published.set(result.item.message, result);

  const outcomes: SourceOutcome[] = [];
  const toDelete: Message[] = [];
  const toDeadLetterQueue: Message[] = [];
  for (const item of prepared) {
    const log = deps.logger.child({
      sqsMessageId: item.message.MessageId,
      receiveCount: item.message.Attributes?.ApproximateReceiveCount,
      ...(item.kind === 'invalid' ? {} : { messageId: item.messageId }),
      ...(item.kind === 'publish' && item.crn ? { crn: item.crn } : {}),
    });
    if (item.kind === 'acknowledge') {
      toDelete.push(item.message);
      log.info({ eventType: item.eventType }, 'no detailUrl: acknowledged');
      outcomes.push({ status: 'ignored', subject: {}, reason: 'no detailUrl', properties: {} });
      continue;
    }
    const subject = item.kind === 'publish' ? { crn: item.crn } : {};
    const publishFailure = item.kind === 'publish' ? published.get(item.message)?.error : undefined;
    const error =
      item.kind === 'invalid'
        ? item.error
        : publishFailure && !publishFailure.retryable
          ? new AppError('invalid-message', `cannot be published: ${publishFailure.message}`, {
              cause: publishFailure,
            })
          : undefined;
    if (error) {
      toDeadLetterQueue.push(item.message);
      log.error(
        { code: error.code, reason: error.message },
        'invalid message: leaving it to the dead-letter queue',
      );
      outcomes.push({ status: 'dead-letter', subject, error });
      continue;
    }
    if (item.kind !== 'publish') continue;
    const retry = publishFailure;
    if (retry) {
      // Kafka or the registry is down: left in flight; SQS redelivers it after the visibility timeout.
      log.warn({ code: retry.code, reason: retry.message }, 'could not publish: SQS will redeliver');
      outcomes.push({ status: 'retry', subject, error: retry });
      continue;
    }
    toDelete.push(item.message);
    log.info({ eventType: item.eventType }, 'published');
    outcomes.push({ status: 'applied', subject, result: { eventType: item.eventType } });
  }
  await Promise.all([deleteAll(toDelete, deps), makeVisible(toDeadLetterQueue, deps)]);
  return outcomes;
}

/** One message: a batch of one (the tests' way in). */
export async function handleSqsMessage(message: Message, deps: SqsSourceDeps): Promise<SourceOutcome> {
  const [outcome] = await handleSqsBatch([message], deps);
  if (!outcome) throw new Error('a batch of one message ended without an outcome');
  return outcome;
}

const entriesOf = (messages: readonly Message[]) =>
  messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));

/**
 * A message published but not deleted is received again after its visibility timeout and published again:
 * a duplicate that the sink recognises, never a loss. So a failed delete is logged, not retried here.
 */
async function deleteAll(messages: readonly Message[], deps: SqsSourceDeps): Promise<void> {
  if (messages.length === 0) return;
  try {
    const { Failed = [] } = await deps.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: entriesOf(messages) }),
    );
    for (const failed of Failed)
      deps.logger.warn(
        { sqsMessageId: messages[Number(failed.Id)]?.MessageId, code: failed.Code, reason: failed.Message },
        'could not delete a published message: SQS will deliver it again, and the sink will see a duplicate',
      );
  } catch (error) {
    deps.logger.warn(
      { error: messageOf(error), messages: messages.length },
      'could not delete published messages: SQS will deliver them again, and the sink will see duplicates',
    );
  }
}

/** Made visible again at once: the queue's redrive moves them to the dead-letter queue after their last receive. */
async function makeVisible(messages: readonly Message[], deps: SqsSourceDeps): Promise<void> {
  if (messages.length === 0) return;
  try {
    await deps.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: deps.queueUrl,
        Entries: entriesOf(messages).map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
      }),
    );
  } catch (error) {
    // Then they come back after their visibility timeout instead of at once: later, not lost.
    deps.logger.warn({ error: messageOf(error) }, 'could not make invalid messages visible again');
  }
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
        // In receive order, in one request: a CRN's messages reach Kafka in the order SQS gave them.
        for (const outcome of await handleSqsBatch(messages, deps)) {
          deps.metrics.messages.inc({ stage: 'connector', kind: 'unknown', outcome: outcome.status });
          if (outcome.status === 'dead-letter')
            deps.metrics.deadLetters.inc({ stage: 'connector', code: outcome.error.code });
          hooks.onOutcome?.(outcome);
        }
      } catch (error) {
        // Not expected (every step above ends in an outcome); the messages come back after their visibility.
        deps.logger.error(
          { error: messageOf(error) },
          'could not handle a receive batch; SQS will redeliver it',
        );
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
