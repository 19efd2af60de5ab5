import type { AppError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ReadinessCheck } from '../observability/operations-server.ts';
import { waitForDependency } from '../observability/wait-for-dependency.ts';
import { watchStep } from '../observability/watch-step.ts';
import { createSchemaRegistry, valueSubject } from './avro-schemas.ts';
import type { RetryPolicy } from './backoff.ts';
import { createKafka } from './client.ts';
import { consumerLag, reportLag } from './lag.ts';
import type { OutageWatch } from './outage-watch.ts';
import { createProducer, publisherOf, type Publisher } from './publisher.ts';
import {
  kafkaSecurityOptions,
  registrySecurityOptions,
  type KafkaSecuritySettings,
  type RegistrySecuritySettings,
} from './security.ts';
import { avroSerde } from './serde.ts';
import type { IncomingMessage, Output, RunningStage, StageDefinition, StageOutcome } from './stage.ts';
import { startStage } from './stage-runner.ts';
import { checkTopics, ensureTopics, type TopicSpec } from './topics.ts';

/** What the Kafka runtime is made of: the cluster, the registry, and what the process may create there. */
export interface KafkaRuntimeOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly registryUrl: string;
  readonly security: KafkaSecuritySettings & RegistrySecuritySettings;
  /** Create missing topics (else check them: least privilege). */
  readonly createTopics: boolean;
  /** Register the output schemas (else look up their ids: least privilege). */
  readonly registerSchemas: boolean;
  readonly topics: readonly TopicSpec[];
  readonly deadLetterTopic: string;
  readonly sessionTimeoutMs: number;
  /** The backoff of waiting for Kafka and the registry at start-up. */
  readonly retry: RetryPolicy;
}

export const kafkaRuntimeDefaults = {
  createTopics: true,
  registerSchemas: true,
  sessionTimeoutMs: 30_000,
} as const satisfies Partial<KafkaRuntimeOptions>;

export interface KafkaRuntimeDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly classify: (error: unknown) => AppError;
  readonly outages: OutageWatch;
  /** Aborts a start still waiting for Kafka or the registry. */
  readonly signal?: AbortSignal | undefined;
  readonly onOutcome?: ((stage: string, outcome: StageOutcome, message: IncomingMessage) => void) | undefined;
}

/** A consumer stage whose lag the runtime reports. */
interface Consumed {
  readonly stage: string;
  readonly groupId: string;
  readonly topic: string;
  /** The partitions this process was assigned: the share of the group's lag it reports. */
  readonly assigned: () => readonly number[];
}

/**
 * Everything a process does with Kafka and the schema registry, behind one object: the only holder of kafkajs
 * clients. It provisions topics and schemas, runs consumer stages, publishes for the connector, answers
 * readiness, reports consumer lag, and closes what it opened.
 */
export interface KafkaRuntime {
  /** Publishes records of the given outputs (their schemas registered first). */
  publisherFor(outputs: readonly Output<unknown>[]): Promise<Publisher>;
  /** How many partitions a topic has. */
  partitionsOf(topic: string): Promise<number>;
  /** Runs a stage as a consumer group. */
  run<In, Out>(definition: StageDefinition<In, Out>): Promise<RunningStage>;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Sets the consumer-lag gauge of every stage it runs (admin requests: call at most every few seconds). */
  refreshLag(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to Kafka and the registry, creating or checking the topics and registering or looking up the
 * schemas of `outputs`. Kafka or the registry down is waited for, one line a try; anything else ends the
 * start, and whatever was opened is closed.
 */
export async function openKafkaRuntime(
  options: KafkaRuntimeOptions,
  outputs: readonly Output<unknown>[],
  deps: KafkaRuntimeDeps,
): Promise<KafkaRuntime> {
  const { logger, metrics } = deps;
  const kafka = createKafka(
    {
      brokers: options.brokers,
      clientId: options.clientId,
      security: await kafkaSecurityOptions(options.security),
    },
    logger,
  );
  const registry = createSchemaRegistry(options.registryUrl, registrySecurityOptions(options.security));
  const serde = avroSerde(registry, { register: options.registerSchemas });
  const admin = kafka.admin();
  const producer = createProducer(kafka);
  const waitFor = (name: string, outageCode: string) => ({
    name,
    classify: deps.classify,
    outageCodes: new Set([outageCode]),
    retry: options.retry,
    logger,
    signal: deps.signal,
  });
  const register = (list: readonly Output<unknown>[]) =>
    Promise.all(list.map((output) => serde.register(output.topic, output.contract.avro)));

  logger.info('connecting to Kafka');
  try {
    const created = await watchStep(
      logger,
      options.createTopics
        ? 'connecting to Kafka and creating topics'
        : 'connecting to Kafka and checking topics',
      () =>
        waitForDependency(waitFor('Kafka', 'kafka-unavailable'), async () => {
          await admin.connect();
          if (options.createTopics) return ensureTopics(admin, options.topics);
          await checkTopics(admin, options.topics);
          return [];
        }),
    );
    if (created.length)
      logger.info({ topics: created, partitions: options.topics[0]?.partitions }, 'created topics');
    await watchStep(logger, options.registerSchemas ? 'registering schemas' : 'looking up schemas', () =>
      waitForDependency(waitFor('the schema registry', 'registry-unavailable'), () => register(outputs)),
    );
    await watchStep(logger, 'connecting the producer', () =>
      waitForDependency(waitFor('Kafka', 'kafka-unavailable'), () => producer.connect()),
    );
  } catch (error) {
    // Topics or schemas that are not there end start-up: nothing it opened may keep the process alive.
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }

  const consumed: Consumed[] = [];
  const partitionsOf = async (topic: string) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 0;
  };
  const checkedSubject = outputs[0] ? valueSubject(outputs[0].topic) : undefined;
  return {
    async publisherFor(list) {
      await register(list);
      return publisherOf(producer, serde);
    },
    partitionsOf,
    async run(definition) {
      // Registered (or looked up) here, where every schema the process writes is: cached after the first time.
      await register(definition.outputs);
      const stage = await startStage(definition, {
        kafka,
        producer,
        serde,
        deadLetterTopic: options.deadLetterTopic,
        sessionTimeoutMs: options.sessionTimeoutMs,
        partitionsOf,
        classify: deps.classify,
        outages: deps.outages,
        logger,
        metrics,
        onOutcome: deps.onOutcome,
      });
      consumed.push({
        stage: definition.name,
        groupId: definition.groupId,
        topic: definition.input.topic,
        assigned: () => stage.assignedPartitions?.() ?? [],
      });
      return stage;
    },
    checks: {
      kafka: async () => (await admin.describeCluster()).brokers.length > 0,
      // Through the registry client, so that its credentials and CA apply: the subject of a schema it uses.
      schemaRegistry: async () =>
        checkedSubject === undefined || (await registry.getLatestSchemaId(checkedSubject)) > 0,
    },
    async refreshLag() {
      for (const { stage, groupId, topic, assigned } of consumed)
        reportLag(
          metrics.consumerLag,
          { stage, topic },
          await consumerLag(admin, groupId, topic),
          assigned(),
        );
    },
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
