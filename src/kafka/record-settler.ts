import type { Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import { withLogContext } from '../observability/log-context.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import { outcomeObserver } from './outcome-observer.ts';
import type { Decoded, HeldRecord } from './partition-engine.ts';
import { publisherOf } from './publisher.ts';
import type { AvroSerde } from './serde.ts';
import { settleMessage } from './settle-message.ts';
import type { IncomingMessage, StageDefinition, StageHandler, StageOutcome } from './stage.ts';

export interface RecordSettling<In, Out> {
  readonly definition: StageDefinition<In, Out>;
  readonly handle: StageHandler<In, Out>;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly deadLetterTopic: string;
  readonly classify: (error: unknown) => AppError;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly signal: AbortSignal;
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
    await producer.send({
      topic: settling.deadLetterTopic,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: { ...message.headers, ...deadLetterHeaders(stage, message, error, attempts) },
        },
      ],
    });
  };

  return (record: HeldRecord<IncomingMessage, In>, heartbeat: () => Promise<void>) => {
    const { message } = record;
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
      crn: message.key ?? undefined,
      partition: message.partition,
      offset: message.offset,
    };
    return withLogContext(context, async () => {
      const startedAt = performance.now();
      const settled = await settleMessage(message, {
        decode,
        subjectOfMessage: (incoming) => ({ crn: incoming.key }),
        subjectOf: definition.subjectOf,
        handle: settling.handle,
        publish: (emits) => publisher.publish(emits),
        deadLetter,
        classify: settling.classify,
        policy: definition.policy,
        signal: settling.signal,
        heartbeat,
        logger,
        onRetry: (error) => metrics.retries.inc({ stage, code: error.code }),
      });
      if (!settled) return undefined;
      observe({ ...settled, startedAt });
      settling.onOutcome?.(stage, settled.outcome, message);
      return settled.outcome;
    });
  };
}
