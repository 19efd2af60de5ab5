import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Sequelize } from 'sequelize';
import { awsSettingsFrom, createSqsClient } from './aws/clients.ts';
import { redactedConfig, type Config, type StageName } from './config/config.ts';
import { startSqsSource, type SourceOutcome, type SqsSource } from './connectors/sqs-source.ts';
import { createSequelize } from './db/sequelize.ts';
import { openDeliusDb } from './delius/delius-db.ts';
import { createSchemaRegistry } from './kafka/avro-schemas.ts';
import { createKafka } from './kafka/client.ts';
import { avroSerde } from './kafka/serde.ts';
import type { StageOutcome } from './kafka/stage-outcome.ts';
import {
  startStageRunner,
  type IncomingMessage,
  type Processor,
  type StageRunner,
  type StageRunnerOptions,
} from './kafka/stage-runner.ts';
import { ensureTopics } from './kafka/topics.ts';
import { startOperationsServer, type ReadinessCheck } from './http/server.ts';
import { consumerLag } from './observability/lag.ts';
import type { Logger } from './logging/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { enrichAllocation } from './processors/enrich-allocation.ts';
import { hmppsAuthClient } from './processors/hmpps-auth.ts';
import { workloadClient, workloadDispatcher } from './processors/workload-client.ts';
import { applyToDelius } from './sinks/delius-sink.ts';

export interface ServiceHooks {
  onStageOutcome?: (stage: StageName, outcome: StageOutcome, message: IncomingMessage) => void;
  onSourceOutcome?: (outcome: SourceOutcome) => void;
}

export interface Service {
  readonly stages: readonly StageName[];
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly sequelize: Sequelize | undefined;
  /** Each running stage's own view: joined its group (Kafka stages), or polling (connector). */
  stageReadiness(): Record<string, boolean>;
  /** The port of the operations endpoints (health, metrics, info). */
  readonly httpPort: number;
  /** Stops upstream first; `onStep` hears each step as it starts, so a caller can say what it waits for. */
  stop(onStep?: (step: string) => void): Promise<void>;
}

export const groupIdOf = (config: Config, stage: StageName) => `${config.CONSUMER_GROUP_PREFIX}.${stage}`;

/**
 * The composition root: builds every client once from the configuration and starts the chosen stages. Each
 * stage is its own consumer group, so more processes of a stage share its partitions.
 */
const packageInfo = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const { Partitioners } = kafkajs;

export async function startService(
  config: Config,
  stages: readonly StageName[],
  logger: Logger,
  hooks: ServiceHooks = {},
): Promise<Service> {
  const startedAt = new Date().toISOString();
  const metrics = createMetrics();
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID }, logger);
  const admin = kafka.admin();
  await admin.connect();
  const created = await ensureTopics(
    admin,
    [
      config.DOMAIN_EVENTS_TOPIC,
      config.ALLOCATIONS_TOPIC,
      config.IAPS_EVENTS_TOPIC,
      config.DEAD_LETTER_TOPIC,
    ],
    config.TOPIC_PARTITIONS,
  );
  if (created.length) logger.info({ topics: created, partitions: config.TOPIC_PARTITIONS }, 'created topics');

  const serde = avroSerde(createSchemaRegistry(config.SCHEMA_REGISTRY_URL));
  // Idempotent: a retried send never writes a record twice; one request in flight keeps each key in order.
  // The default partitioner is murmur2, as Java clients use: a CRN lands on the same partition whoever writes it.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();

  const retry = {
    maxAttempts: config.RETRY_MAX_ATTEMPTS,
    initialDelayMs: config.RETRY_INITIAL_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
  };
  /** What stopping takes, named so that a slow stop says what it is waiting for. */
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const readiness: Record<string, () => boolean> = {};
  let sequelize: Sequelize | undefined;
  // One SQS client serves the connector and its readiness check.
  const sqs = stages.includes('connector') ? createSqsClient(awsSettingsFrom(config)) : undefined;

  /** A Kafka stage: its own consumer group on its input topic, with what every stage shares. */
  const startConsumerStage = (
    stage: 'processor' | 'sink',
    topic: string,
    handle: Processor,
    options: Pick<StageRunnerOptions, 'partitionsConsumedConcurrently' | 'retryWithoutLimit'> = {},
  ): Promise<StageRunner> =>
    startStageRunner({
      stage,
      kafka,
      producer,
      groupId: groupIdOf(config, stage),
      topic,
      deadLetterTopic: config.DEAD_LETTER_TOPIC,
      process: handle,
      retry,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      partitionsConsumedConcurrently: config.PARTITION_CONCURRENCY,
      logger,
      metrics,
      onOutcome: (outcome, message) => hooks.onStageOutcome?.(stage, outcome, message),
      ...options,
    });

  try {
    // Started from the end of the pipeline, so that each stage's consumers are there before records arrive.
    if (stages.includes('sink')) {
      await serde.register(config.IAPS_EVENTS_TOPIC, 'iaps-event');
      const database = createSequelize(
        { url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.DATABASE_POOL_MAX },
        logger,
      );
      sequelize = database;
      const delius = await openDeliusDb({
        sequelize: database,
        auditUserName: config.DELIUS_AUDIT_USER,
        logger: logger.child({ component: 'delius' }),
      });
      const deps = { serde, delius, iapsTopic: config.IAPS_EVENTS_TOPIC, metrics, now: Date.now };
      const runner = await startConsumerStage(
        'sink',
        config.ALLOCATIONS_TOPIC,
        (message, context) => applyToDelius(message, deps, context),
        {
          // SQLite serialises writers, and Sequelize opens a connection per transaction: one partition at a time.
          partitionsConsumedConcurrently:
            database.getDialect() === 'sqlite' ? 1 : config.PARTITION_CONCURRENCY,
          // An unreachable database is an outage, not a bad message: wait for it rather than dead-letter everything.
          retryWithoutLimit: (error) => error.code === 'database-unavailable',
        },
      );
      stops.push({ name: 'the sink', stop: () => runner.stop().finally(() => database.close()) });
      readiness['sink'] = () => runner.isReady();
    }
    if (stages.includes('processor')) {
      await serde.register(config.ALLOCATIONS_TOPIC, 'allocation');
      const dispatcher = workloadDispatcher({
        connectTimeoutMs: config.DETAIL_CONNECT_TIMEOUT_MS,
        readTimeoutMs: config.DETAIL_READ_TIMEOUT_MS,
      });
      const auth = hmppsAuthClient(
        {
          url: config.HMPPS_AUTH_URL,
          clientId: config.HMPPS_AUTH_CLIENT_ID,
          clientSecret: config.HMPPS_AUTH_CLIENT_SECRET,
        },
        { metrics, dispatcher },
      );
      const deps = {
        serde,
        workload: workloadClient({ auth, metrics, dispatcher, readTimeoutMs: config.DETAIL_READ_TIMEOUT_MS }),
        allowedOrigins: new Set(config.DETAIL_URL_ALLOW_LIST),
        allocationsTopic: config.ALLOCATIONS_TOPIC,
        now: Date.now,
      };
      const runner = await startConsumerStage('processor', config.DOMAIN_EVENTS_TOPIC, (message, context) =>
        enrichAllocation(message, deps, context),
      );
      stops.push({ name: 'the processor', stop: () => runner.stop().finally(() => dispatcher.close()) });
      readiness['processor'] = () => runner.isReady();
    }
    if (sqs) {
      await serde.register(config.DOMAIN_EVENTS_TOPIC, 'domain-event');
      const source: SqsSource = startSqsSource(
        {
          sqs,
          queueUrl: config.ALLOCATIONS_QUEUE_URL,
          producer,
          serde,
          topic: config.DOMAIN_EVENTS_TOPIC,
          visibilityTimeoutSeconds: config.SQS_VISIBILITY_TIMEOUT_SECONDS,
          waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
          logger: logger.child({ stage: 'connector' }),
          metrics,
        },
        { ...(hooks.onSourceOutcome ? { onOutcome: hooks.onSourceOutcome } : {}) },
      );
      stops.push({ name: 'the connector (its SQS receive in flight)', stop: () => source.stop() });
      readiness['connector'] = () => source.isReady();
    }
  } catch (error) {
    for (const { stop } of stops.reverse()) await stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }

  const checks: Record<string, ReadinessCheck> = {
    kafka: async () => (await admin.describeCluster()).brokers.length > 0,
    schemaRegistry: async () =>
      (await fetch(`${config.SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(2_000) })).ok,
  };
  if (sqs) {
    checks['sqs'] = async () => {
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: config.ALLOCATIONS_QUEUE_URL,
          AttributeNames: ['QueueArn'],
        }),
      );
      return true;
    };
  }
  if (sequelize) {
    const database = sequelize;
    checks['database'] = async () => {
      await database.authenticate();
      return true;
    };
  }
  for (const stage of Object.keys(readiness))
    checks[`${stage}Stage`] = () => Promise.resolve(readiness[stage]?.() ?? false);

  const consumerStages = stages.filter((stage): stage is 'processor' | 'sink' => stage !== 'connector');
  const operations = await startOperationsServer({
    port: config.HTTP_PORT,
    metrics,
    checks,
    logger,
    info: () => ({
      name: packageInfo.name,
      version: packageInfo.version,
      stages,
      pid: process.pid,
      startedAt,
      config: redactedConfig(config),
    }),
    async beforeScrape() {
      for (const stage of consumerStages) {
        const topic = stage === 'sink' ? config.ALLOCATIONS_TOPIC : config.DOMAIN_EVENTS_TOPIC;
        for (const partition of await consumerLag(admin, groupIdOf(config, stage), topic)) {
          metrics.consumerLag.set({ stage, topic, partition: String(partition.partition) }, partition.lag);
        }
      }
    },
  });
  stops.unshift({ name: 'the operations endpoints', stop: () => operations.close() });

  let stopping: Promise<void> | undefined;
  return {
    httpPort: operations.port,
    stages,
    metrics,
    kafka,
    admin,
    sequelize,
    stageReadiness: () =>
      Object.fromEntries(Object.entries(readiness).map(([stage, ready]) => [stage, ready()])),
    stop(onStep) {
      // Upstream first: the connector stops taking from SQS while the later stages finish what is in hand.
      stopping ??= (async () => {
        const steps = [
          ...stops.reverse(),
          { name: 'the Kafka producer', stop: () => producer.disconnect() },
          { name: 'the Kafka admin client', stop: () => admin.disconnect() },
        ];
        for (const { name, stop } of steps) {
          onStep?.(name);
          const startedAt = performance.now();
          await stop();
          logger.info({ step: name, ms: Math.round(performance.now() - startedAt) }, 'stopped');
        }
        logger.info('service stopped');
      })();
      return stopping;
    },
  };
}
