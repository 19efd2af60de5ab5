import type { Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import type { Span } from '@opentelemetry/api';
import { withLogContext } from '../observability/log-context.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { endStageSpan, inSpan, startStageSpan, traceHeaders } from '../observability/tracing.ts';
import { deadLetterExcerptBytes, deadLetterHeader, deadLetterHeaders } from './dead-letters.ts';
import { isRefusedRecord } from './kafka-errors.ts';
import { outcomeObserver } from './outcome-observer.ts';
import type { OutageWatch } from './outage-watch.ts';
import type { Decoded, HeldRecord } from './partition-engine.ts';
import { publisherOf } from './publisher.ts';
import { boundedKey, headersProblem } from './record-bounds.ts';
import type { AvroSerde } from './serde.ts';
import { freshProgress, settleMessage, type SettleProgress } from './settle-message.ts';
import type { IncomingMessage, StageDefinition, StageHandler, StageOutcome } from './stage.ts';

/**
 * The longest a record waits for its next try while its batch holds the consumer's fetch: kafkajs fetches a
 * broker's partitions again only once every batch of the last fetch has returned.
 */
export const waitSliceMs = 1_000;

export interface RecordSettling<In, Out> {
  readonly definition: StageDefinition<In, Out>;
  readonly handle: StageHandler<In, Out>;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly deadLetterTopic: string;
  readonly classify: (error: unknown) => AppError;
  readonly outages: OutageWatch;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly signal: AbortSignal;
  /** A dead letter cannot be written, after its bounded tries: the stage cannot go on by itself. */
  readonly onStuck: (error: AppError) => void;
  readonly onOutcome?: ((stage: string, outcome: StageOutcome, message: IncomingMessage) => void) | undefined;
}

/**
 * How a Kafka stage settles one record the engine hands it (settle-message.ts, with Kafka for publishing and
 * dead letters). Resolves to the record's final outcome, or undefined when it was abandoned by a stop. The
 * record's identity goes into the log context (src/observability/log-context.ts) rather than a child logger, so
 * that the lines its handler's own components write (the Delius module, the Workload API client) name it too.
 */
export function recordSettler<In, Out>(settling: RecordSettling<In, Out>) {
  const { definition, producer, serde, metrics, logger } = settling;
  const stage = definition.name;
  const publisher = publisherOf(producer, serde);
  const observe = outcomeObserver(stage, logger, metrics);
  const deadLetter = async (message: IncomingMessage, error: AppError, attempts: number) => {
    const key = boundedKey(message.key);
    const reason = deadLetterHeaders(stage, message, error, attempts);
    const send = (letter: { value: Buffer | null; headers: Record<string, string> }) =>
      producer.send({ topic: settling.deadLetterTopic, messages: [{ key, ...letter }] });
    /** The whole record with its reason; false when the dead-letter topic refuses it for its size. */
    const sentWhole = () =>
      send({ value: message.value, headers: { ...message.headers, ...reason } }).then(
        () => true,
        (thrown: unknown) => {
          if (isRefusedRecord(thrown)) return false;
          throw thrown;
        },
      );
    // Headers beyond what the service writes are never written again: the smaller letter says so.
    if (headersProblem(message.headers) === undefined && (await sentWhole())) return;
    // Too large for the dead-letter topic with its value and headers (or headers out of bounds): the reason,
    // where the original sits (its topic, partition and offset), its message id and an excerpt; what was
    // left out is said.
    const valueBytes = message.value?.length ?? 0;
    const headerCount = Object.keys(message.headers).length;
    const messageId = message.headers['message-id'];
    await send({
      value: message.value?.subarray(0, deadLetterExcerptBytes) ?? null,
      headers: {
        ...(messageId && messageId.length <= 128 ? { 'message-id': messageId } : {}),
        ...reason,
        [deadLetterHeader.truncated]: `value of ${valueBytes} bytes cut to ${Math.min(valueBytes, deadLetterExcerptBytes)}; ${headerCount} headers left out`,
      },
    });
    logger.warn(
      { valueBytes, headerCount },
      'the dead letter is written without the whole record (too large, or headers out of bounds)',
    );
  };

  // A record waiting for its next try is given back with its partition (a slice at a time), so that the
  // consumer goes on fetching the others; the next fetch settles it again from where it was.
  const progressOf = new WeakMap<
    HeldRecord<IncomingMessage, In>,
    { readonly progress: SettleProgress; readonly startedAt: number; readonly span: Span }
  >();

  return (record: HeldRecord<IncomingMessage, In>, heartbeat: () => Promise<void>) => {
    const { message } = record;
    let inHand = progressOf.get(record);
    if (!inHand)
      progressOf.set(
        record,
        (inHand = {
          progress: freshProgress(),
          startedAt: performance.now(),
          // From the first try to the outcome, across the waits that hand the record back between tries.
          span: startStageSpan(stage, message.headers, () => ({
            'messaging.system': 'kafka',
            'messaging.destination.name': message.topic,
            'messaging.destination.partition.id': String(message.partition),
            'messaging.kafka.offset': Number(message.offset),
            ...(message.headers['message-id']
              ? { 'messaging.message.id': message.headers['message-id'] }
              : {}),
            ...(message.key ? { 'allocations.crn': boundedKey(message.key) ?? '' } : {}),
          })),
        }),
      );
    const { progress, startedAt, span } = inHand;
    // Decoded once when fetched; decoded again only for a retry of a decoding that failed (the registry down).
    let first: Decoded<In> | undefined = record.decoded;
    const decode = async (incoming: IncomingMessage): Promise<In> => {
      const cached = first;
      first = undefined;
      if (!cached) return serde.decode(incoming.value, definition.input.contract.schema);
      if (cached.ok) return cached.value;
      throw cached.error;
    };
    const context = {
      messageId: message.headers['message-id'],
      crn: boundedKey(message.key) ?? undefined,
      partition: message.partition,
      offset: message.offset,
    };
    return withLogContext(context, () =>
      inSpan(span, async () => {
        const settled = await settleMessage(
          message,
          {
            decode,
            subjectOfMessage: (incoming) => ({ crn: boundedKey(incoming.key) }),
            subjectOf: definition.subjectOf,
            handle: settling.handle,
            // Each record carries this stage's span on: the next stage's span is its child.
            publish: (emits) =>
              publisher.publish(
                emits.map((emit) => ({ ...emit, headers: { ...emit.headers, ...traceHeaders() } })),
              ),
            deadLetter,
            classify: settling.classify,
            outages: settling.outages,
            policy: definition.policy,
            signal: settling.signal,
            heartbeat,
            logger,
            onRetry: (error) => metrics.retries.inc({ stage, code: error.code }),
            onStuck: settling.onStuck,
          },
          progress,
          waitSliceMs,
        );
        if (!settled) {
          // Stopped: it will be delivered again, to a new span. Otherwise it waits for its next try.
          if (settling.signal.aborted) endStageSpan(span, undefined, progress.attempt);
          return undefined;
        }
        progressOf.delete(record);
        observe({ ...settled, startedAt });
        endStageSpan(span, settled.outcome, settled.attempts);
        settling.onOutcome?.(stage, settled.outcome, message);
        return settled.outcome;
      }),
    );
  };
}
