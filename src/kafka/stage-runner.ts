import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { StageName } from '../config/config.ts';
import { classifyError } from '../domain/classify-error.ts';
import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { backoffDelay, pause, type RetryPolicy } from './backoff.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import type { StageOutcome } from './stage-outcome.ts';

export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface MessageContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly logger: Logger;
}

/** A stage's work on one message. It should not throw; if it does, the error is classified like any other. */
export type Processor = (message: IncomingMessage, context: MessageContext) => Promise<StageOutcome>;

export interface StageRunnerOptions {
  readonly stage: StageName;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly groupId: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly process: Processor;
  readonly retry: RetryPolicy;
  /** Errors that are retried for as long as they last (an outage), instead of being dead-lettered. */
  readonly retryWithoutLimit?: (error: AppError) => boolean;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onOutcome?: (outcome: StageOutcome, message: IncomingMessage) => void;
}

export interface StageRunner {
  readonly stage: StageName;
  /** Joined its consumer group and not crashed. */
  isReady(): boolean;
  stop(): Promise<void>;
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
 * Runs one stage as a Kafka consumer group. Within a partition, messages are handled one at a time, in order,
 * and a message's offset is committed only once its outcome is final and whatever it produced is acknowledged
 * by Kafka: a crash at any point means redelivery, never loss. A retryable failure holds back only its own
 * partition (others go on, up to `partitionsConsumedConcurrently` at once); it is retried with backoff and
 * jitter, then dead-lettered with its reason. Stopping finishes the message in hand, or abandons it
 * uncommitted if it is waiting to retry, and leaves the group.
 */
export async function startStageRunner(options: StageRunnerOptions): Promise<StageRunner> {
  const { stage, kafka, producer, topic, logger: stageLogger, metrics } = options;
  const logger = stageLogger.child({ stage, topic, groupId: options.groupId });
  const controller = new AbortController();
  let joined = false;
  let crashed = false;

  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
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
    logger.error({ error: event.payload.error.message, restart: event.payload.restart }, 'consumer crashed');
  });

  async function finish(message: IncomingMessage, outcome: StageOutcome, attempts: number): Promise<void> {
    if ((outcome.status === 'applied' || outcome.status === 'duplicate') && outcome.produce?.length) {
      await producer.sendBatch({
        topicMessages: outcome.produce.map((record) => ({
          topic: record.topic,
          messages: [
            { key: record.key, value: record.value, ...(record.headers ? { headers: record.headers } : {}) },
          ],
        })),
      });
    }
    if (outcome.status === 'dead-letter') {
      await producer.send({
        topic: options.deadLetterTopic,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: { ...message.headers, ...deadLetterHeaders(stage, message, outcome.error, attempts) },
          },
        ],
      });
      metrics.deadLetters.inc({ stage, code: outcome.error.code });
    }
  }

  /** Resolves true when the message reached a final outcome, false when it was abandoned by a stop. */
  async function handle(message: IncomingMessage, heartbeat: () => Promise<void>): Promise<boolean> {
    const log = logger.child({ partition: message.partition, offset: message.offset, key: message.key });
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      let outcome: StageOutcome;
      try {
        outcome = await options.process(message, { signal: controller.signal, attempt, logger: log });
      } catch (thrown) {
        const error = classifyError(thrown);
        outcome = error.retryable ? { status: 'retry', error } : { status: 'dead-letter', error };
      }
      if (outcome.status === 'retry') {
        metrics.retries.inc({ stage, code: outcome.error.code });
        if (attempt < options.retry.maxAttempts || options.retryWithoutLimit?.(outcome.error)) {
          const delay = backoffDelay(options.retry, Math.min(attempt, 30));
          log.warn(
            { code: outcome.error.code, error: outcome.error.message, attempt, delayMs: delay },
            'will retry',
          );
          if (!(await pause(delay, controller.signal, heartbeat))) return false;
          continue;
        }
        log.warn({ code: outcome.error.code, attempt }, 'giving up after the last attempt');
        outcome = { ...outcome, status: 'dead-letter', error: outcome.error };
      }
      await finish(message, outcome, attempt);
      const kind = outcome.kind ?? 'unknown';
      metrics.messages.inc({ stage, kind, outcome: outcome.status });
      metrics.processingSeconds.observe({ stage }, (performance.now() - started) / 1000);
      const summary = { outcome: outcome.status, kind: outcome.kind, crn: outcome.crn, attempts: attempt };
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
      options.onOutcome?.(outcome, message);
      return true;
    }
  }

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const heartbeat = () => payload.heartbeat();
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale() || controller.signal.aborted) return;
        const completed = await handle(incoming(batch.topic, batch.partition, message), heartbeat);
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
    stage,
    isReady: () => joined && !crashed,
    async stop() {
      controller.abort();
      await consumer.disconnect();
      logger.info('stopped');
    },
  };
}
