import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pause } from './backoff.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import { outcomeObserver } from './outcome-observer.ts';
import {
  engineDefaults,
  StageEngine,
  type Decoded,
  type FetchedRecord,
  type HeldRecord,
} from './partition-engine.ts';
import type { AvroSerde } from './serde.ts';
import { settleMessage } from './settle-message.ts';
import { publisherOf } from './publisher.ts';
import type { IncomingMessage, RunningStage, StageDefinition, StageOutcome } from './stage.ts';
import { withLogContext } from '../observability/log-context.ts';

/** What every stage of a process shares: made by the Kafka runtime (runtime.ts). */
export interface StageRuntime {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly deadLetterTopic: string;
  readonly sessionTimeoutMs: number;
  readonly classify: (error: unknown) => AppError;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onOutcome?: ((stage: string, outcome: StageOutcome, message: IncomingMessage) => void) | undefined;
}

/** How much of a partition an ordered stage fetches at once: the records a late one can be put before. */
const orderedFetchBytesPerPartition = 4 * 1024 * 1024;

function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined)
      headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value,
    headers,
    timestamp: message.timestamp,
  };
}

/**
 * Runs one stage as a Kafka consumer group: the driver of the partition engine (partition-engine.ts), which
 * decides what to settle, hold and commit. The driver fetches (kafkajs), decodes each record once, settles
 * what the engine hands it (handler, publish, retries, dead letters: settle-message.ts) and commits what the
 * engine says may be committed: a crash at any point means redelivery, never loss. A retryable failure holds
 * back only its own partition (others go on, up to the stage's concurrency). Stopping finishes the message in
 * hand, or abandons it uncommitted if it is waiting to retry, and leaves the group.
 */
export async function startStage<In, Out>(
  definition: StageDefinition<In, Out>,
  runtime: StageRuntime,
): Promise<RunningStage> {
  const { producer, serde, metrics } = runtime;
  const stage = definition.name;
  const logger = runtime.logger.child({ stage, topic: definition.input.topic, groupId: definition.groupId });
  const controller = new AbortController();
  const health = { joined: false, crashed: false, deadForGood: false };

  for (const output of definition.outputs) await serde.register(output.topic, output.contract.avro);
  const started = await definition.start();
  const publisher = publisherOf(producer, serde);
  const observe = outcomeObserver(stage, logger, metrics);
  const engine = new StageEngine<IncomingMessage, In>({ ...engineDefaults, order: definition.order });
  const decode = (value: Buffer | null) => serde.decode(value, definition.input.contract.schema);

  const deadLetter = async (message: IncomingMessage, error: AppError, attempts: number) => {
    await producer.send({
      topic: runtime.deadLetterTopic,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: { ...message.headers, ...deadLetterHeaders(stage, message, error, attempts) },
        },
      ],
    });
  };

  /**
   * Resolves to the record's final outcome, or undefined when it was abandoned by a stop. The message's
   * identity goes into the log context (src/observability/log-context.ts) rather than a child logger, so that the
   * lines its handler's own components write (the Delius module, the Workload API client) name it too.
   */
  const settle = (record: HeldRecord<IncomingMessage, In>, heartbeat: () => Promise<void>) => {
    const { message, decoded } = record;
    // Decoded once when fetched; decoded again only for a retry of a decoding that failed (the registry down).
    let first: Decoded<In> | undefined = decoded;
    const decodeOnce = async (incoming: IncomingMessage): Promise<In> => {
      const cached = first;
      first = undefined;
      if (!cached) return decode(incoming.value);
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
        decode: decodeOnce,
        subjectOfMessage: (incoming) => ({ crn: incoming.key }),
        subjectOf: definition.subjectOf,
        handle: started.handle,
        publish: (emits) => publisher.publish(emits),
        deadLetter,
        classify: runtime.classify,
        policy: definition.policy,
        signal: controller.signal,
        heartbeat,
        logger,
        onRetry: (error) => metrics.retries.inc({ stage, code: error.code }),
      });
      if (!settled) return undefined;
      observe({ ...settled, startedAt });
      runtime.onOutcome?.(stage, settled.outcome, message);
      return settled.outcome;
    });
  };

  const consumer: Consumer = runtime.kafka.consumer({
    groupId: definition.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: runtime.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(runtime.sessionTimeoutMs / 3)),
    // A stop waits for the fetch in flight: an idle fetch returns within a second instead of kafkajs's five.
    maxWaitTimeInMs: 1_000,
    ...(definition.order
      ? {
          maxBytesPerPartition: orderedFetchBytesPerPartition,
          maxBytes: orderedFetchBytesPerPartition * Math.max(4, definition.policy.concurrency),
        }
      : {}),
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    health.joined = true;
    health.crashed = false;
    engine.reset();
    logger.info({ assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.CRASH, (event) => {
    health.crashed = true;
    if (!event.payload.restart && !controller.signal.aborted) health.deadForGood = true;
    logger.error(
      { error: event.payload.error.message, restart: event.payload.restart },
      event.payload.restart ? 'consumer crashed; it restarts' : 'consumer crashed for good: liveness is DOWN',
    );
  });

  await consumer.connect();
  await consumer.subscribe({ topic: definition.input.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: definition.policy.concurrency,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const partition = engine.partition(batch.partition, Date.now());
      const messages = batch.messages.map((message) => incoming(batch.topic, batch.partition, message));
      const unknown = new Set(partition.unknown(messages.map((message) => message.offset)));
      const records: FetchedRecord<IncomingMessage, In>[] = [];
      for (const message of messages) {
        // A record in hand keeps its decoding; the engine ignores this one's.
        const decoded: Decoded<In> = unknown.has(message.offset)
          ? await decode(message.value).then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            )
          : { ok: false, error: undefined };
        records.push({ offset: message.offset, timestamp: Number(message.timestamp), message, decoded });
      }
      partition.begin(records, Date.now());

      const commit = async (offset: string) => {
        payload.resolveOffset(offset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() },
        ]);
      };
      const heartbeat = async () => {
        const due = partition.commitDue(Date.now());
        if (due) await commit(due.offset);
        await payload.heartbeat();
      };
      const running = () => payload.isRunning() && !payload.isStale() && !controller.signal.aborted;
      try {
        while (running()) {
          const step = partition.next(Date.now());
          if (step.kind === 'return') break;
          if (step.kind === 'commit') {
            await commit(step.offset);
          } else if (step.kind === 'hold') {
            await pause(step.waitMs, controller.signal, heartbeat);
            break;
          } else {
            const outcome = await settle(step.record, heartbeat);
            if (!outcome) break;
            const { outOfOrder } = partition.settled(step.record.offset, outcome.status);
            if (step.record.place) {
              const heldMs = Math.max(0, Date.now() - step.record.timestamp);
              metrics.heldOrderSeconds.observe({ stage }, heldMs / 1000);
            }
            if (outOfOrder) {
              metrics.outOfOrder.inc({ stage });
              logger.warn(
                { crn: outcome.subject.crn, madeAt: new Date(step.record.place?.time ?? 0).toISOString() },
                'settled after a later-made record of the same person: it came later than the order window',
              );
            }
          }
        }
      } finally {
        const last = partition.end(Date.now());
        if (last)
          await commit(last.offset).catch((error: unknown) => {
            // A partition taken away, or a stop, can refuse the commit: its records are delivered again, and
            // their outcomes are duplicates there. Anything else is for kafkajs to handle, as any failed commit.
            if (!payload.isStale() && payload.isRunning() && !controller.signal.aborted) throw error;
            logger.warn(
              { partition: batch.partition, error: (error as Error).message },
              'could not commit the settled records of a batch given up: they will be delivered again',
            );
          });
      }
    },
  });

  return {
    name: stage,
    isReady: () => health.joined && !health.crashed,
    isAlive: () => !health.deadForGood,
    checks: started.checks ?? {},
    stopping: `the ${stage}`,
    async stop() {
      controller.abort();
      await consumer.disconnect();
      await started.close?.();
      logger.info('stopped');
    },
  };
}
