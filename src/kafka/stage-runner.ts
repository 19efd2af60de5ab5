import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pause } from './backoff.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import { LatestSettled, nextStep, placeOf, type OrderPlace, type Pending } from './order-window.ts';
import type { AvroSerde } from './serde.ts';
import { settleMessage } from './settle-message.ts';
import { publisherOf } from './publisher.ts';
import type { IncomingMessage, RunningStage, StageDefinition, StageOutcome } from './stage.ts';
import { withLogContext } from '../observability/log-context.ts';

/** What every stage of a process shares. */
export interface StageRuntime {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly deadLetterTopic: string;
  readonly sessionTimeoutMs: number;
  readonly classify: (error: unknown) => AppError;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onOutcome?: (stage: string, outcome: StageOutcome, message: IncomingMessage) => void;
}

/** A held head is looked at again at least this often, with what has reached the partition since. */
const holdSliceMs = 1_000;
/** The longest a settled record waits for its offset's commit while its batch goes on. */
const commitIntervalMs = 1_000;
/** Records whose windows close within this of the head's are let go with it: one fetch, not one each. */
const holdLingerMs = 250;
/** How much of a partition an ordered stage fetches at once: the records a late one can be put before. */
const orderedFetchBytesPerPartition = 4 * 1024 * 1024;

/** What the order window knows of a partition's fetched, uncommitted records. */
interface PartitionOrder {
  readonly places: Map<string, OrderPlace | undefined>;
  /** Records settled before their turn, because a record ahead of them was made later: committed when reached. */
  readonly ahead: Set<string>;
  /**
   * When the runner last gave this partition back to kafkajs: the next batch is fetched after that (kafkajs
   * fetches again only once every batch of its last fetch is handled), so it holds every record that had
   * reached the topic by then.
   */
  returnedAt: number;
}

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
 * Runs one stage as a Kafka consumer group. The runner registers the stage's output schemas, decodes and
 * validates each input, calls the handler, publishes what it returns, and only then commits: a crash at any
 * point means redelivery, never loss. Within a partition, messages are settled one at a time, in order; a
 * retryable failure holds back only its own partition (others go on, up to the stage's concurrency). Stopping
 * finishes the message in hand, or abandons it uncommitted if it is waiting to retry, and leaves the group.
 */
export async function startStage<In>(
  definition: StageDefinition<In>,
  runtime: StageRuntime,
): Promise<RunningStage> {
  const { kafka, producer, serde, metrics } = runtime;
  const stage = definition.name;
  const topic = definition.input.topic;
  const logger = runtime.logger.child({ stage, topic, groupId: definition.groupId });
  const controller = new AbortController();
  let joined = false;
  let crashed = false;
  let deadForGood = false;

  for (const output of definition.outputs) await serde.register(output.topic, output.contract.avro);
  const started = await definition.start();

  const publisher = publisherOf(producer, serde);

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
    metrics.deadLetters.inc({ stage, code: error.code });
  };

  const order = definition.order;
  const consumer: Consumer = kafka.consumer({
    groupId: definition.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: runtime.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(runtime.sessionTimeoutMs / 3)),
    // A stop waits for the fetch in flight: an idle fetch returns within a second instead of kafkajs's five.
    maxWaitTimeInMs: 1_000,
    ...(order
      ? {
          maxBytesPerPartition: orderedFetchBytesPerPartition,
          maxBytes: orderedFetchBytesPerPartition * Math.max(4, definition.policy.concurrency),
        }
      : {}),
  });
  const orders = new Map<number, PartitionOrder>();
  const latestSettled = new LatestSettled();
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    crashed = false;
    // Partitions may have moved: what was held is read again from the committed offsets.
    orders.clear();
    logger.info({ assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.CRASH, (event) => {
    crashed = true;
    if (!event.payload.restart && !controller.signal.aborted) deadForGood = true;
    logger.error(
      { error: event.payload.error.message, restart: event.payload.restart },
      event.payload.restart ? 'consumer crashed; it restarts' : 'consumer crashed for good: liveness is DOWN',
    );
  });

  /**
   * Resolves to the message's final outcome, or undefined when it was abandoned by a stop. The message's
   * identity goes into the log context (src/observability/log-context.ts) rather than a child logger, so that the
   * lines its handler's own components write (the Delius module, the Workload API client) name it too.
   */
  function settle(
    message: IncomingMessage,
    heartbeat: () => Promise<void>,
    place?: OrderPlace,
  ): Promise<StageOutcome['status'] | undefined> {
    return withLogContext(
      {
        messageId: message.headers['message-id'],
        crn: message.key ?? undefined,
        partition: message.partition,
        offset: message.offset,
      },
      () => settleInContext(message, heartbeat, place),
    );
  }

  async function settleInContext(
    message: IncomingMessage,
    heartbeat: () => Promise<void>,
    place?: OrderPlace,
  ): Promise<StageOutcome['status'] | undefined> {
    const startedAt = performance.now();
    const settled = await settleMessage(message, {
      decode: (value) => serde.decode(value, definition.input.contract.schema),
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
    const { outcome, attempts } = settled;
    metrics.messages.inc({ stage, kind: outcome.subject.kind ?? 'unknown', outcome: outcome.status });
    metrics.processingSeconds.observe({ stage }, (performance.now() - startedAt) / 1000);
    const summary = {
      outcome: outcome.status,
      kind: outcome.subject.kind,
      crn: outcome.subject.crn,
      attempts,
    };
    if (outcome.status === 'dead-letter') {
      logger.error(
        {
          ...summary,
          code: outcome.error.code,
          error: outcome.error.message,
          context: outcome.error.context,
        },
        'dead-lettered',
      );
    } else if (outcome.status === 'ignored') {
      logger.info({ ...summary, reason: outcome.reason, properties: outcome.properties }, 'ignored');
    } else {
      logger.info(summary, outcome.status);
    }
    if (place) {
      metrics.heldOrderSeconds.observe({ stage }, Math.max(0, Date.now() - Number(message.timestamp)) / 1000);
      if (latestSettled.settle(place)) {
        metrics.outOfOrder.inc({ stage });
        logger.warn(
          { crn: outcome.subject.crn, madeAt: new Date(place.time).toISOString() },
          'settled after a later-made record of the same person: it came later than the order window',
        );
      }
    }
    runtime.onOutcome?.(stage, outcome, message);
    return outcome.status;
  }

  /** The order places of a batch's records, each decoded once while it stays uncommitted. */
  async function placesOf(partition: number, messages: readonly IncomingMessage[]): Promise<PartitionOrder> {
    let state = orders.get(partition);
    if (!state) orders.set(partition, (state = { places: new Map(), ahead: new Set(), returnedAt: 0 }));
    const first = messages[0] ? BigInt(messages[0].offset) : undefined;
    // Committed records are not fetched again: forget them.
    if (first !== undefined) {
      for (const offset of state.places.keys()) if (BigInt(offset) < first) state.places.delete(offset);
      for (const offset of state.ahead) if (BigInt(offset) < first) state.ahead.delete(offset);
    }
    if (!order) return state;
    for (const message of messages) {
      if (state.places.has(message.offset)) continue;
      let place: OrderPlace | undefined;
      try {
        const input = await serde.decode(message.value, definition.input.contract.schema);
        place = placeOf(order, input, Number(message.timestamp));
      } catch {
        place = undefined; // settled as it comes: decoding fails again there, with its reason
      }
      state.places.set(message.offset, place);
    }
    return state;
  }

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: definition.policy.concurrency,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const messages = batch.messages.map((message) => incoming(batch.topic, batch.partition, message));
      const state = await placesOf(batch.partition, messages);
      const pending: Pending[] = messages.map((message) => ({
        offset: message.offset,
        place: state.places.get(message.offset),
      }));
      const byOffset = new Map(messages.map((message) => [message.offset, message]));
      // Offsets are committed a batch at a time (and at least every commitIntervalMs while a batch is long or
      // waits), never past a record whose outcome is not final and whose records are not acknowledged: a
      // commit per record cost the broker and the stage as much as the work itself.
      let settledUpTo: string | undefined;
      let committedAt = Date.now();
      const flush = async () => {
        if (settledUpTo === undefined) return;
        const offset = settledUpTo;
        settledUpTo = undefined;
        committedAt = Date.now();
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() },
        ]);
      };
      const flushIfDue = async () => {
        if (Date.now() - committedAt >= commitIntervalMs) await flush();
      };
      const heartbeat = async () => {
        await flushIfDue();
        await payload.heartbeat();
      };
      // A dead letter is committed at once, as every record was before batches: a stage killed before the
      // commit would publish it again, and unlike an allocation's effects a dead letter is not deduplicated.
      const commit = async (offset: string, now = false) => {
        payload.resolveOffset(offset);
        settledUpTo = offset;
        await (now ? flush() : flushIfDue());
      };
      try {
        await settleBatch();
      } finally {
        state.returnedAt = Date.now();
        await flush().catch((error: unknown) => {
          // A partition taken away, or a stop, can refuse the commit: its records are delivered again, and their
          // outcomes are duplicates there. Anything else is for kafkajs to handle, as any failed commit.
          if (!payload.isStale() && payload.isRunning() && !controller.signal.aborted) throw error;
          logger.warn(
            { partition: batch.partition, error: (error as Error).message },
            'could not commit the settled records of a batch given up: they will be delivered again',
          );
        });
      }
      async function settleBatch() {
        for (const [index, message] of messages.entries()) {
          if (!payload.isRunning() || payload.isStale() || controller.signal.aborted) return;
          if (state.ahead.delete(message.offset)) {
            await commit(message.offset);
            continue;
          }
          const head = pending[index];
          if (order && head) {
            const step = nextStep(head, pending.slice(index + 1), state.ahead, Date.now(), state.returnedAt);
            // Not committed: the next fetch starts at this record again, with whatever has arrived behind it.
            if (step.kind === 'refetch') return;
            if (step.kind === 'hold') {
              const wait = Math.min(step.untilMs + holdLingerMs, Date.now() + holdSliceMs) - Date.now();
              await pause(Math.max(0, wait), controller.signal, heartbeat);
              return;
            }
            for (const offset of step.ahead) {
              const early = byOffset.get(offset);
              if (!early) continue;
              if (!(await settle(early, heartbeat, state.places.get(offset)))) return;
              state.ahead.add(offset);
            }
          }
          const status = await settle(message, heartbeat, head?.place);
          if (!status) return;
          await commit(message.offset, status === 'dead-letter');
        }
      }
    },
  });

  return {
    name: stage,
    isReady: () => joined && !crashed,
    isAlive: () => !deadForGood,
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
