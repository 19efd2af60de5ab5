import type { Message } from '@aws-sdk/client-sqs';
import { AppError } from '../domain/errors.ts';
import type { Outcome } from '../domain/outcome.ts';
import type { DomainEventRecord } from '../domain/topic-records.ts';
import { backoffDelay, pause, retryDefaults, type RetryPolicy } from '../kafka/backoff.ts';
import { outcomeObserver } from '../kafka/outcome-observer.ts';
import type { OutageWatch } from '../kafka/outage-watch.ts';
import type { Publisher } from '../kafka/publisher.ts';
import { settleMessage, type Settled, type Settling } from '../kafka/settle-message.ts';
import type { Emit } from '../kafka/stage.ts';
import type { Span } from '@opentelemetry/api';
import { withLogContext } from '../observability/log-context.ts';
import { endStageSpan, startStageSpan, traceHeaders } from '../observability/tracing.ts';
import type { Metrics } from '../observability/metrics.ts';
import { readSqsMessage, subjectOfEvent, toDomainEvent, type ReceivedEvent } from './sqs-message.ts';
import type { SourceWatermark } from './source-watermark.ts';
import { deleteAll, keepInvisible, makeVisible, receive, receiveLimit, type SqsQueue } from './sqs-queue.ts';

export { keepInvisible } from './sqs-queue.ts';

/**
 * How one SQS message ended: `applied` is published to Kafka (and deleted from SQS); `ignored` acknowledged
 * without a detail URL; `dead-letter` left to the queue's redrive into the SQS dead-letter queue; `retry` left
 * in flight for SQS to deliver again.
 */
export type SourceOutcome = Outcome<{ readonly eventType: string }>;

export interface SqsSourceDeps extends SqsQueue {
  readonly publisher: Publisher;
  readonly topic: string;
  readonly classify: (error: unknown) => AppError;
  /** A Kafka outage is waited out holding the batch (kept invisible), never spending its messages' receives. */
  readonly outages: OutageWatch;
  /** This instance's low watermark, told each receive and what became of each message (source-watermark.ts). */
  readonly watermark?: SourceWatermark | undefined;
  /** The largest body taken on; a larger one is left to the dead-letter queue unread. */
  readonly maxBodyBytes?: number;
  /** Publishing that fails in a way a retry may mend is retried so, then left to SQS to deliver again. */
  readonly retry?: RetryPolicy;
  readonly metrics: Metrics;
}

export const sqsSourceDefaults = {
  /** SQS's own limit: a domain event is well under a kilobyte. */
  maxBodyBytes: 262_144,
  retry: retryDefaults,
} as const satisfies Partial<SqsSourceDeps>;

export interface SourceHooks {
  /** A stop: a message waiting to retry is left to SQS. */
  readonly signal?: AbortSignal;
  readonly onOutcome?: (outcome: SourceOutcome) => void;
}

/** The publisher as the connector's settling uses it: a record the contract or the broker refuses is invalid. */
function publishing(deps: SqsSourceDeps) {
  return async (emits: readonly Emit<DomainEventRecord>[]) => {
    try {
      await deps.publisher.publish(emits);
    } catch (thrown) {
      const failure = deps.classify(thrown);
      if (failure.retryable) throw thrown;
      throw new AppError('invalid-message', `cannot be published: ${failure.message}`, { cause: failure });
    }
  };
}

/**
 * A receive batch, each message through the settling every stage uses (settle-message.ts: one outcome, one
 * classifier, one backoff policy, one outcome observer), in receive order. Publishing is batched: the records of
 * the whole batch go to Kafka in one request first, and only when that is refused does each message publish its
 * own, so that only a record that cannot be published is refused. A message whose publishing still fails when
 * its retries are spent is left to SQS, with every later one that publishes, so that none overtakes it. Then
 * one DeleteMessageBatch acknowledges what Kafka acknowledged (and what needs no detail); an invalid message is
 * made visible again at once, for the queue's redrive to move to the dead-letter queue after its last receive.
 * Outcomes are in receive order.
 */
export async function handleSqsBatch(
  messages: readonly Message[],
  deps: SqsSourceDeps,
  hooks: SourceHooks = {},
): Promise<SourceOutcome[]> {
  const maxBodyBytes = deps.maxBodyBytes ?? sqsSourceDefaults.maxBodyBytes;
  const observe = outcomeObserver('connector', deps.logger, deps.metrics);
  // Decoded and made into its records once (both pure): the log context names each message from its first line.
  const read = new Map<
    Message,
    { event?: ReceivedEvent; emits: readonly Emit<DomainEventRecord>[]; error?: unknown; span: Span }
  >();
  const emitsOfEvent = new Map<ReceivedEvent, readonly Emit<DomainEventRecord>[]>();
  for (const message of messages) {
    try {
      const event = readSqsMessage(message, maxBodyBytes);
      const span = connectorSpan(message, event);
      const handled = toDomainEvent(event, deps.topic);
      // Each record carries the connector's span on: the processor's span is its child.
      const emits =
        handled.status === 'applied'
          ? handled.result.map((emit) => ({ ...emit, headers: { ...emit.headers, ...traceHeaders(span) } }))
          : [];
      read.set(message, { event, emits, span });
      emitsOfEvent.set(event, emits);
    } catch (error) {
      read.set(message, { emits: [], error, span: connectorSpan(message, undefined) });
    }
  }
  const emitsOf = (message: Message) => read.get(message)?.emits ?? [];

  const publishOne = publishing(deps);
  const batchPublished = await publishOne(messages.flatMap(emitsOf)).then(
    () => true,
    () => false,
  );
  const settling: Settling<ReceivedEvent, DomainEventRecord, Message> = {
    decode(message) {
      const { event, error } = read.get(message) ?? {};
      return event
        ? Promise.resolve(event)
        : Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    subjectOf: subjectOfEvent,
    handle: (event) => {
      const handled = toDomainEvent(event, deps.topic);
      return Promise.resolve(
        handled.status === 'applied'
          ? { ...handled, result: emitsOfEvent.get(event) ?? handled.result }
          : handled,
      );
    },
    // Already published with the batch, or now on its own.
    publish: batchPublished ? () => Promise.resolve() : publishOne,
    // Left to the queue's redrive: made visible again below.
    deadLetter: () => Promise.resolve(),
    exhausted: 'release',
    classify: deps.classify,
    outages: deps.outages,
    policy: { concurrency: 1, retry: deps.retry ?? sqsSourceDefaults.retry },
    signal: hooks.signal ?? new AbortController().signal,
    heartbeat: () => Promise.resolve(),
    logger: deps.logger,
    onRetry: (error) => deps.metrics.retries.inc({ stage: 'connector', code: error.code }),
  };

  const outcomes: SourceOutcome[] = [];
  const toDelete: Message[] = [];
  const toDeadLetterQueue: Message[] = [];
  let leftToSqs: AppError | undefined;
  for (const message of messages) {
    const { event } = read.get(message) ?? {};
    const context = {
      sqsMessageId: message.MessageId,
      receiveCount: message.Attributes?.ApproximateReceiveCount,
      messageId: event?.messageId,
      crn: event?.record?.crn ?? undefined,
    };
    const outcome = await withLogContext(context, async () => {
      const startedAt = performance.now();
      const settled: Settled<DomainEventRecord> = (leftToSqs && emitsOf(message).length > 0
        ? undefined
        : await settleMessage(message, settling)) ?? {
        outcome: {
          status: 'retry',
          subject: event ? subjectOfEvent(event) : {},
          error:
            leftToSqs ??
            new AppError('stopped', 'the connector stopped: SQS will deliver it again', { retryable: true }),
        },
        attempts: 0,
      };
      observe({ ...settled, startedAt });
      const span = read.get(message)?.span;
      if (span) endStageSpan(span, settled.outcome, settled.attempts);
      return settled.outcome;
    });
    if (message.MessageId !== undefined) {
      if (outcome.status === 'retry') deps.watermark?.putBack(message.MessageId, Date.now());
      else deps.watermark?.done(message.MessageId);
    }
    if (outcome.status === 'retry') leftToSqs ??= outcome.error;
    else if (outcome.status === 'dead-letter') toDeadLetterQueue.push(message);
    else toDelete.push(message);
    const source: SourceOutcome =
      outcome.status === 'applied' || outcome.status === 'duplicate'
        ? { ...outcome, result: { eventType: event?.eventType ?? '' } }
        : outcome;
    outcomes.push(source);
    hooks.onOutcome?.(source);
  }
  await Promise.all([deleteAll(toDelete, deps), makeVisible(toDeadLetterQueue, deps)]);
  return outcomes;
}

/** The connector's span for one SQS message: a child of the trace Workforce sent with it, if any. */
function connectorSpan(message: Message, event: ReceivedEvent | undefined): Span {
  return startStageSpan('connector', event?.traceContext ?? {}, () => ({
    'messaging.system': 'aws_sqs',
    ...(message.MessageId ? { 'messaging.message.id': message.MessageId } : {}),
    ...(event
      ? { 'allocations.message_id': event.messageId, 'allocations.event_type': event.eventType }
      : {}),
    ...(event?.record?.crn ? { 'allocations.crn': event.record.crn } : {}),
  }));
}

/** When SQS took each message in (its `SentTimestamp`; now, if SQS did not say), by message id. */
function sentTimes(messages: readonly Message[]): Map<string, number> {
  const now = Date.now();
  const times = new Map<string, number>();
  for (const message of messages) {
    const sent = Number(message.Attributes?.SentTimestamp);
    if (message.MessageId !== undefined) times.set(message.MessageId, Number.isFinite(sent) ? sent : now);
  }
  return times;
}

/** One message: a batch of one (the tests' way in). */
export async function handleSqsMessage(message: Message, deps: SqsSourceDeps): Promise<SourceOutcome> {
  const [outcome] = await handleSqsBatch([message], deps);
  if (!outcome) throw new Error('a batch of one message ended without an outcome');
  return outcome;
}

export interface SqsSource {
  isReady(): boolean;
  stop(): Promise<void>;
}

/**
 * Long-polls the queue until stopped. A receive that fails is tried again with the retry policy's backoff,
 * and shows on readiness meanwhile. A stop lets the receive in flight finish and handles what it returned: a
 * receive abandoned half-way can still take messages on the SQS side, which would then stay invisible for the
 * whole visibility timeout before anyone else could have them.
 */
export function startSqsSource(
  deps: SqsSourceDeps,
  hooks: { onOutcome?: (outcome: SourceOutcome) => void } = {},
): SqsSource {
  const controller = new AbortController();
  const retry = deps.retry ?? sqsSourceDefaults.retry;
  let healthy = true;
  const loop = (async () => {
    for (let failures = 0; !controller.signal.aborted;) {
      let messages: Message[];
      try {
        deps.watermark?.receiving(Date.now());
        messages = await receive(deps);
        deps.watermark?.received(sentTimes(messages), messages.length >= receiveLimit, Date.now());
        healthy = true;
        failures = 0;
      } catch (thrown) {
        deps.watermark?.failed();
        if (controller.signal.aborted) break;
        healthy = false;
        failures += 1;
        const error = deps.classify(thrown);
        const delayMs = backoffDelay(retry, Math.min(failures, 30));
        deps.logger.error(
          { code: error.code, error: error.message, delayMs },
          'cannot receive from SQS; trying again',
        );
        await pause(delayMs, controller.signal);
        continue;
      }
      if (messages.length === 0) continue;
      const release = keepInvisible(messages, deps);
      try {
        // In receive order, in one request: a CRN's messages reach Kafka in the order SQS gave them.
        await handleSqsBatch(messages, deps, { signal: controller.signal, ...hooks });
      } catch (error) {
        // Not expected (every step above ends in an outcome); the messages come back after their visibility.
        deps.logger.error(
          { error: (error as Error).message },
          'could not handle a receive batch; SQS will redeliver it',
        );
      } finally {
        release();
        // Every message of the batch has been settled with the watermark; one that was not is back with SQS.
        const now = Date.now();
        for (const message of messages)
          if (message.MessageId !== undefined) deps.watermark?.putBack(message.MessageId, now);
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
