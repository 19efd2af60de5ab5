import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pause } from './backoff.ts';
import { groupConsumer } from './group-consumer.ts';
import {
  engineDefaults,
  StageEngine,
  type Decoded,
  type FetchedRecord,
  type HeldRecord,
  type PartitionEngine,
} from './partition-engine.ts';
import { recordProblem } from './record-bounds.ts';
import type { OutageWatch } from './outage-watch.ts';
import { recordSettler } from './record-settler.ts';
import type { AvroSerde } from './serde.ts';
import type { IncomingMessage, RunningStage, StageDefinition, StageOutcome } from './stage.ts';
import { isWatermark, watermarkVouches } from './watermark.ts';
import { markOf, watermarkForwarder, type ForwardMark } from './watermark-forwarding.ts';

/** No progress on a partition for this long, with nothing to explain it, makes the stage not ready. */
export const stallBoundMs = 300_000;

/** What every stage of a process shares: made by the Kafka runtime (runtime.ts). */
export interface StageRuntime {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly deadLetterTopic: string;
  readonly sessionTimeoutMs: number;
  /** How many partitions a topic has (for passing watermarks on partition to partition). */
  readonly partitionsOf: (topic: string) => Promise<number>;
  readonly classify: (error: unknown) => AppError;
  readonly outages: OutageWatch;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onOutcome?: ((stage: string, outcome: StageOutcome, message: IncomingMessage) => void) | undefined;
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

type Settle<In> = (
  record: HeldRecord<IncomingMessage, In>,
  heartbeat: () => Promise<void>,
) => Promise<StageOutcome | undefined>;

/**
 * Runs one stage as a Kafka consumer group: the driver of the partition engine (partition-engine.ts), which
 * decides what to settle, hold and commit. The driver fetches (kafkajs), decodes each record once, settles
 * what the engine hands it (record-settler.ts: handler, publish, retries, dead letters) and commits what the
 * engine says may be committed: a crash at any point means redelivery, never loss. A retryable failure holds
 * back only its own partition (others go on, up to the stage's concurrency). Stopping finishes the message in
 * hand, or abandons it uncommitted if it is waiting to retry, and leaves the group.
 */
export async function startStage<In, Out>(
  definition: StageDefinition<In, Out>,
  runtime: StageRuntime,
): Promise<RunningStage> {
  const stage = definition.name;
  const logger = runtime.logger.child({ stage, topic: definition.input.topic, groupId: definition.groupId });
  const controller = new AbortController();
  const started = await definition.start();
  const engine = new StageEngine<IncomingMessage, In>({ ...engineDefaults, order: definition.order });
  const decode = (value: Buffer | null) => runtime.serde.decode(value, definition.input.contract.schema);
  // A dead letter that cannot be written holds its partition: past its bounded tries, liveness says so.
  let stuck = false;
  const settle = recordSettler({
    ...runtime,
    definition,
    handle: started.handle,
    logger,
    signal: controller.signal,
    onStuck(error) {
      stuck = true;
      logger.error(
        { code: error.code, error: error.message },
        'a dead letter cannot be written: the stage cannot go on, liveness is DOWN',
      );
    },
  });
  /** Partitions whose watermark has been said to vouch for them, since the last (re)join. */
  const vouched = new Set<number>();
  const forward = await watermarkForwarder(definition, runtime, logger, controller.signal);
  const stopReporting = runtime.metrics.reportUnsettled(function* (now) {
    for (const entry of engine.unsettled(now)) yield { stage, ...entry };
  });
  const stopReportingOrder = definition.order
    ? runtime.metrics.reportOrder(function* (now) {
        for (const entry of engine.order(now)) yield { stage, ...entry };
      })
    : () => true;
  const { consumer, health } = groupConsumer(
    runtime.kafka,
    {
      groupId: definition.groupId,
      sessionTimeoutMs: runtime.sessionTimeoutMs,
      concurrency: definition.policy.concurrency,
      ordered: definition.order !== undefined,
    },
    logger,
    // Partitions may have moved: what was in hand is read again from the committed offsets.
    {
      onJoin: () => {
        engine.reset();
        vouched.clear();
      },
      stopping: () => controller.signal.aborted,
    },
  );
  await consumer.connect();
  await consumer.subscribe({ topic: definition.input.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: definition.policy.concurrency,
    eachBatch: async (payload) => {
      const partition = engine.partition(payload.batch.partition, Date.now());
      partition.begin(await fetched(payload, partition, decode), Date.now());
      if (
        definition.order?.watermark &&
        !vouched.has(payload.batch.partition) &&
        partition.watermark() !== undefined
      ) {
        vouched.add(payload.batch.partition);
        logger.info({ partition: payload.batch.partition }, watermarkVouches);
      }
      await driveBatch(payload, partition, settle, forward, {
        signal: controller.signal,
        metrics: runtime.metrics,
        logger,
        stage,
        commitOffsets: (offsets) => consumer.commitOffsets(offsets),
      });
    },
  });
  return {
    name: stage,
    isReady: health.isReady,
    isAlive: () => health.isAlive() && !stuck,
    checks: {
      ...started.checks,
      // A partition that has not moved for longer than any retry takes, with no outage being waited out and
      // nothing held by the order window: stuck, for someone to look at (readiness names the stage).
      [`${stage}Progress`]: () =>
        Promise.resolve(runtime.outages.anyDown() || engine.longestStall(Date.now()) <= stallBoundMs),
    },
    stopping: `the ${stage}`,
    assignedPartitions: () => health.assigned(definition.input.topic),
    async stop() {
      controller.abort();
      stopReporting();
      stopReportingOrder();
      await consumer.disconnect();
      await started.close?.();
      logger.info('stopped');
    },
  };
}

/** A batch's records, those the engine does not hold yet decoded (once: a held record keeps its decoding). */
async function fetched<In>(
  { batch }: EachBatchPayload,
  partition: PartitionEngine<IncomingMessage, In>,
  decode: (value: Buffer | null) => Promise<In>,
): Promise<FetchedRecord<IncomingMessage, In>[]> {
  const messages = batch.messages.map((message) => incoming(batch.topic, batch.partition, message));
  const unknown = new Set(partition.unknown(messages.map((message) => message.offset)));
  const records: FetchedRecord<IncomingMessage, In>[] = [];
  for (const message of messages) {
    // A watermark record is read from its header; one that is not a watermark is dead-lettered as invalid.
    if (isWatermark(message.headers) && unknown.has(message.offset)) {
      records.push({
        offset: message.offset,
        timestamp: Number(message.timestamp),
        message,
        ...markOf(message),
      });
      continue;
    }
    // A key or headers no writer of the service makes are refused unread: the record is dead-lettered with the
    // reason. (Decoding thousands of headers is linear only thanks to patches/kafkajs+2.2.4.patch.)
    const refused = recordProblem(message);
    const decoded: Decoded<In> = refused
      ? { ok: false, error: refused }
      : unknown.has(message.offset)
        ? await decode(message.value).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          )
        : { ok: false, error: undefined };
    records.push({ offset: message.offset, timestamp: Number(message.timestamp), message, decoded });
  }
  return records;
}

/** Carries out the engine's steps over one batch until it says to give the partition back. */
async function driveBatch<In>(
  payload: EachBatchPayload,
  partition: PartitionEngine<IncomingMessage, In>,
  settle: Settle<In>,
  forward: ForwardMark,
  context: {
    signal: AbortSignal;
    metrics: Metrics;
    logger: Logger;
    stage: string;
    commitOffsets: Consumer['commitOffsets'];
  },
): Promise<void> {
  const { batch } = payload;
  const { signal, metrics, logger, stage } = context;
  const commit = async (offset: string) => {
    payload.resolveOffset(offset);
    await context.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() },
    ]);
  };
  const heartbeat = async () => {
    const due = partition.commitDue(Date.now());
    if (due) await commit(due.offset);
    await payload.heartbeat();
  };
  const running = () => payload.isRunning() && !payload.isStale() && !signal.aborted;
  try {
    while (running()) {
      const step = partition.next(Date.now());
      if (step.kind === 'return') break;
      if (step.kind === 'commit') await commit(step.offset);
      else if (step.kind === 'hold') {
        await pause(step.waitMs, signal, heartbeat);
        break;
      } else if (step.record.mark) {
        // Read by the engine when fetched; passed on downstream (the processor) before it is committed, unless
        // a later word of its instance comes next anyway.
        const passed =
          partition.superseded(step.record.offset) || (await forward(step.record.message, heartbeat));
        if (!passed) break;
        partition.settled(step.record.offset, 'ignored', Date.now());
      } else {
        const outcome = await settle(step.record, heartbeat);
        if (!outcome) break;
        const { outOfOrder } = partition.settled(step.record.offset, outcome.status, Date.now());
        const { place, timestamp } = step.record;
        if (place) metrics.heldOrderSeconds.observe({ stage }, Math.max(0, Date.now() - timestamp) / 1000);
        if (outOfOrder) {
          metrics.outOfOrder.inc({ stage });
          logger.warn(
            { crn: outcome.subject.crn, madeAt: new Date(place?.time ?? 0).toISOString() },
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
        if (!payload.isStale() && payload.isRunning() && !signal.aborted) throw error;
        logger.warn(
          { partition: batch.partition, error: (error as Error).message },
          'could not commit the settled records of a batch given up: they will be delivered again',
        );
      });
  }
}
