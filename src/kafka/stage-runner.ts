import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import type { AvroSerde } from './serde.ts';
import { settleMessage } from './settle-message.ts';
import { publisherOf } from './publisher.ts';
import type { IncomingMessage, RunningStage, StageDefinition, StageOutcome } from './stage.ts';

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

  const consumer: Consumer = kafka.consumer({
    groupId: definition.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: runtime.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(runtime.sessionTimeoutMs / 3)),
    // A stop waits for the fetch in flight: an idle fetch returns within a second instead of kafkajs's five.
    maxWaitTimeInMs: 1_000,
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    crashed = false;
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

  /** Resolves true when the message reached a final outcome, false when it was abandoned by a stop. */
  async function settle(message: IncomingMessage, heartbeat: () => Promise<void>): Promise<boolean> {
    const log = logger.child({
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      ...(message.headers['message-id'] ? { messageId: message.headers['message-id'] } : {}),
    });
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
      logger: log,
      onRetry: (error) => metrics.retries.inc({ stage, code: error.code }),
    });
    if (!settled) return false;
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
      log.error(
        {
          ...summary,
          code: outcome.error.code,
          error: outcome.error.message,
          context: outcome.error.context,
        },
        'dead-lettered',
      );
    } else if (outcome.status === 'ignored') {
      log.info({ ...summary, reason: outcome.reason, properties: outcome.properties }, 'ignored');
    } else {
      log.info(summary, outcome.status);
    }
    runtime.onOutcome?.(stage, outcome, message);
    return true;
  }

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: definition.policy.concurrency,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const heartbeat = () => payload.heartbeat();
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale() || controller.signal.aborted) return;
        const completed = await settle(incoming(batch.topic, batch.partition, message), heartbeat);
        if (!completed) return;
        payload.resolveOffset(message.offset);
        await consumer.commitOffsets([
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(message.offset) + 1n).toString(),
          },
        ]);
        await heartbeat();
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
