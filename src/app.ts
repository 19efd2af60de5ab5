import { readFileSync } from 'node:fs';
import { classifyError } from './classify-error.ts';
import { redactedConfig, type Config, type StageName } from './config/config.ts';
import { startConnectorStage } from './connectors/connector-stage.ts';
import type { SourceOutcome } from './connectors/sqs-source.ts';
import { createSchemaRegistry } from './kafka/avro-schemas.ts';
import { createKafka } from './kafka/client.ts';
import { consumerLag } from './kafka/lag.ts';
import { createProducer, publisherOf } from './kafka/publisher.ts';
import { avroSerde } from './kafka/serde.ts';
import type { IncomingMessage, RunningStage, StageOutcome } from './kafka/stage.ts';
import { startStage, type StageRuntime } from './kafka/stage-runner.ts';
import { checkTopics, ensureTopics } from './kafka/topics.ts';
import { waitForDependency } from './observability/wait-for-dependency.ts';
import { watchStep } from './observability/watch-step.ts';
import { startOperationsServer, type ReadinessCheck } from './observability/operations-server.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { processorStage } from './processors/processor-stage.ts';
import { sinkStage } from './sinks/sink-stage.ts';
import { topicSpecsOf, topologyOf, type ConsumerStageName } from './topology.ts';
import { kafkaSecurityOptions, registrySecurityOptions } from './kafka/security.ts';
import { valueSubject } from './kafka/avro-schemas.ts';

export interface ServiceHooks {
  onStageOutcome?: (stage: StageName, outcome: StageOutcome, message: IncomingMessage) => void;
  onSourceOutcome?: (outcome: SourceOutcome) => void;
  /** Aborts a start still in progress (a SIGTERM while waiting for a dependency). */
  signal?: AbortSignal;
}

export interface Service {
  readonly stages: readonly StageName[];
  readonly metrics: Metrics;
  /** The port of the operations endpoints (health, metrics, info). */
  readonly httpPort: number;
  /** Stops upstream first; `onStep` hears each step as it starts, so a caller can say what it waits for. */
  stop(onStep?: (step: string) => void): Promise<void>;
}

const packageInfo = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const lagRefreshIntervalMs = 10_000;

/** The order stages start in: from the end of the pipeline. They stop in the reverse order, upstream first. */
const startOrder: readonly StageName[] = ['sink', 'processor', 'connector'];

/** A step of stopping, named so that a slow stop says what it is waiting for. */
interface StopStep {
  readonly name: string;
  readonly stop: () => Promise<void>;
}

/**
 * The composition root: reads the topology, builds every client once from the configuration, and starts the
 * chosen stages from their definitions. Each consumer stage is its own consumer group, so more processes of a
 * stage share its partitions.
 */
export async function startService(
  config: Config,
  stages: readonly StageName[],
  logger: Logger,
  hooks: ServiceHooks = {},
): Promise<Service> {
  const startedAt = new Date().toISOString();
  const topology = topologyOf(config);
  const metrics = createMetrics();
  const kafka = createKafka(
    {
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      security: await kafkaSecurityOptions(config),
    },
    logger,
  );
  const admin = kafka.admin();
  const retry = {
    maxAttempts: config.RETRY_MAX_ATTEMPTS,
    initialDelayMs: config.RETRY_INITIAL_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
  };
  // Kafka or the registry down at start-up is waited for, one line a try, as the database is by the sink.
  const waitFor = (name: string, outageCode: string) => ({
    name,
    classify: classifyError,
    outageCodes: new Set([outageCode]),
    retry,
    logger,
    signal: hooks.signal,
  });
  logger.info('connecting to Kafka');
  const registry = createSchemaRegistry(config.SCHEMA_REGISTRY_URL, registrySecurityOptions(config));
  const serde = avroSerde(registry, { register: config.SCHEMA_REGISTER });
  /** Topics and schemas: created and registered, or (least privilege) checked and looked up. */
  const provisionTopicsAndSchemas = async () => {
    const created = await watchStep(
      logger,
      config.KAFKA_CREATE_TOPICS
        ? 'connecting to Kafka and creating topics'
        : 'connecting to Kafka and checking topics',
      () =>
        waitForDependency(waitFor('Kafka', 'kafka-unavailable'), async () => {
          await admin.connect();
          const specs = topicSpecsOf(config);
          if (config.KAFKA_CREATE_TOPICS) return ensureTopics(admin, specs);
          await checkTopics(admin, specs);
          return [];
        }),
    );
    if (created.length)
      logger.info({ topics: created, partitions: config.TOPIC_PARTITIONS }, 'created topics');
    await watchStep(logger, config.SCHEMA_REGISTER ? 'registering schemas' : 'looking up schemas', () =>
      waitForDependency(waitFor('the schema registry', 'registry-unavailable'), async () => {
        for (const stage of stages) {
          const { topic, contract } = topology[stage].output;
          await serde.register(topic, contract.avro);
        }
      }),
    );
  };
  try {
    await provisionTopicsAndSchemas();
  } catch (error) {
    // Topics or schemas that are not there end start-up: nothing it opened may keep the process alive.
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
  const producer = createProducer(kafka);
  await watchStep(logger, 'connecting the producer', () =>
    waitForDependency(waitFor('Kafka', 'kafka-unavailable'), () => producer.connect()),
  );

  const runtime: StageRuntime = {
    kafka,
    producer,
    serde,
    deadLetterTopic: topology.deadLetters,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    classify: classifyError,
    logger,
    metrics,
    onOutcome: (stage, outcome, message) => hooks.onStageOutcome?.(stage as StageName, outcome, message),
  };
  const starters: Record<StageName, () => Promise<RunningStage>> = {
    sink: () =>
      startStage(
        sinkStage(config, topology, {
          metrics,
          retry,
          logger,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
        }),
        runtime,
      ),
    processor: () => startStage(processorStage(config, topology, { metrics, retry }), runtime),
    connector: () =>
      startConnectorStage(config, topology, {
        serde,
        publisher: publisherOf(producer, serde),
        classify: classifyError,
        metrics,
        logger,
        ...(hooks.onSourceOutcome ? { onOutcome: hooks.onSourceOutcome } : {}),
      }),
  };

  // From the end of the pipeline, so that each stage's consumers are there before records arrive.
  const running: RunningStage[] = [];
  try {
    for (const name of startOrder.filter((stage) => stages.includes(stage))) {
      // One line per step, so that a start that hangs says where.
      const stepStartedAt = performance.now();
      logger.info({ stage: name }, 'starting stage');
      running.unshift(await watchStep(logger, `starting the ${name}`, starters[name]));
      logger.info({ stage: name, ms: Math.round(performance.now() - stepStartedAt) }, 'stage started');
    }
  } catch (error) {
    for (const stage of running) await stage.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
  const checks: Record<string, ReadinessCheck> = {
    kafka: async () => (await admin.describeCluster()).brokers.length > 0,
    // Through the registry client, so that its credentials and CA apply: the subject of a schema this process uses.
    schemaRegistry: async () =>
      (await registry.getLatestSchemaId(valueSubject(topology[stages[0] ?? 'sink'].output.topic))) > 0,
  };
  const liveness: Record<string, () => boolean> = {};
  for (const stage of running) {
    Object.assign(checks, stage.checks);
    checks[`${stage.name}Stage`] = () => Promise.resolve(stage.isReady());
    liveness[`${stage.name}Stage`] = () => stage.isAlive();
  }

  const consumers = running
    .filter((stage): stage is RunningStage & { name: ConsumerStageName } => stage.name !== 'connector')
    .map((stage) => ({ stage: stage.name, ...topology[stage.name] }));
  let lagRefreshedAt = -Infinity;
  const operations = await watchStep(logger, 'opening the operations endpoints', () =>
    startOperationsServer({
      port: config.HTTP_PORT,
      host: config.HTTP_HOST,
      metrics,
      checks,
      liveness,
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
        // Consumer lag costs admin requests to Kafka: refreshed at most once a typical scrape interval.
        if (performance.now() - lagRefreshedAt < lagRefreshIntervalMs) return;
        lagRefreshedAt = performance.now();
        for (const { stage, groupId, input } of consumers) {
          for (const partition of await consumerLag(admin, groupId, input.topic)) {
            metrics.consumerLag.set(
              { stage, topic: input.topic, partition: String(partition.partition) },
              partition.lag,
            );
          }
        }
      },
    }),
  );
  // Upstream first: the connector stops taking from SQS while the later stages finish what is in hand.
  const steps: StopStep[] = [
    ...running.map((stage) => ({ name: stage.stopping, stop: () => stage.stop() })),
    { name: 'the operations endpoints', stop: () => operations.close() },
    { name: 'the Kafka producer', stop: () => producer.disconnect() },
    { name: 'the Kafka admin client', stop: () => admin.disconnect() },
  ];

  let stopping: Promise<void> | undefined;
  return {
    httpPort: operations.port,
    stages,
    metrics,
    stop(onStep) {
      stopping ??= (async () => {
        for (const { name, stop } of steps) {
          onStep?.(name);
          const stepStartedAt = performance.now();
          await stop();
          logger.info({ step: name, ms: Math.round(performance.now() - stepStartedAt) }, 'stopped');
        }
        logger.info('service stopped');
      })();
      return stopping;
    },
  };
}
