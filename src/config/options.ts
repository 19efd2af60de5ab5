import { awsSettingsFrom } from '../connectors/aws-clients.ts';
import type { ConnectorOptions } from '../connectors/connector-stage.ts';
import type { DatabaseSettings } from '../db/sequelize.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import type { KafkaRuntimeOptions } from '../kafka/runtime.ts';
import type { OperationsServerOptions } from '../observability/operations-server.ts';
import type { TelemetrySettings } from '../observability/telemetry.ts';
import type { ProcessorOptions } from '../processors/processor-stage.ts';
import type { SinkOptions } from '../sinks/sink-stage.ts';
import { topicSpecsOf, topologyOf } from '../topology.ts';
import { ConfigError, type Config, type StageName } from './config.ts';

/**
 * The one place the configuration's variables become each stage's and adapter's own options: a stage reads
 * its options type, never the environment's names.
 */
export function retryOf(config: Config): RetryPolicy {
  return {
    maxAttempts: config.RETRY_MAX_ATTEMPTS,
    initialDelayMs: config.RETRY_INITIAL_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
  };
}

export function kafkaRuntimeOptionsOf(config: Config): KafkaRuntimeOptions {
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    security: config,
    createTopics: config.KAFKA_CREATE_TOPICS,
    registerSchemas: config.SCHEMA_REGISTER,
    topics: topicSpecsOf(config),
    deadLetterTopic: topologyOf(config).deadLetters,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    retry: retryOf(config),
  };
}

/** What each stage cannot do without: every other stage runs without it (and a pod of it is not given it). */
const requiredBy = {
  connector: ['ALLOCATIONS_QUEUE_URL'],
  processor: ['HMPPS_AUTH_URL', 'HMPPS_AUTH_CLIENT_ID', 'HMPPS_AUTH_CLIENT_SECRET', 'DETAIL_URL_ALLOW_LIST'],
  sink: ['DATABASE_URL'],
} as const satisfies Record<StageName, readonly (keyof Config)[]>;

type Required<S extends StageName> = (typeof requiredBy)[S][number];

/** What a stage lacks, in one clause: undefined when it has everything it requires. */
function missingFor(config: Config, stage: StageName): string | undefined {
  const missing = requiredBy[stage].filter((name) => config[name] === undefined);
  return missing.length
    ? `${missing.map((name) => `${name} is required`).join('; ')} to run the ${stage}`
    : undefined;
}

/** The settings a stage requires, present: a ConfigError names every one missing. */
function settingsOfStage<S extends StageName>(
  config: Config,
  stage: S,
): { [K in Required<S>]-?: NonNullable<Config[K]> } {
  const missing = missingFor(config, stage);
  if (missing) throw new ConfigError(missing);
  // Checked just above, name by name: what TypeScript cannot follow through the list.
  return config as unknown as { [K in Required<S>]-?: NonNullable<Config[K]> };
}

export function connectorOptionsOf(config: Config): ConnectorOptions {
  const required = settingsOfStage(config, 'connector');
  return {
    queueUrl: required.ALLOCATIONS_QUEUE_URL,
    aws: awsSettingsFrom(config),
    visibilityTimeoutSeconds: config.SQS_VISIBILITY_TIMEOUT_SECONDS,
    waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
    maxBodyBytes: config.SQS_MAX_BODY_BYTES,
    retry: retryOf(config),
    watermark: { enabled: config.ORDER_WATERMARK, lateMs: config.SQS_LATE_DELIVERY_MS },
  };
}

export function processorOptionsOf(config: Config): ProcessorOptions {
  const required = settingsOfStage(config, 'processor');
  return {
    concurrency: config.PARTITION_CONCURRENCY,
    retry: retryOf(config),
    auth: {
      url: required.HMPPS_AUTH_URL,
      clientId: required.HMPPS_AUTH_CLIENT_ID,
      clientSecret: required.HMPPS_AUTH_CLIENT_SECRET,
    },
    allowedOrigins: required.DETAIL_URL_ALLOW_LIST,
    connectTimeoutMs: config.DETAIL_CONNECT_TIMEOUT_MS,
    readTimeoutMs: config.DETAIL_READ_TIMEOUT_MS,
    maxDetailBytes: config.DETAIL_MAX_BYTES,
  };
}

/** Settings a chosen stage cannot do without, checked before anything connects: one line naming what is missing. */
export function checkStageSettings(config: Config, stages: readonly StageName[]): void {
  const problems = stages.flatMap((stage) => missingFor(config, stage) ?? []);
  if (problems.length) throw new ConfigError(problems.join('; '));
}

/** How to reach the database. */
export function databaseSettingsOf(config: Config): DatabaseSettings {
  return {
    url: settingsOfStage(config, 'sink').DATABASE_URL,
    ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    poolMax: config.DATABASE_POOL_MAX,
    poolMin: config.DATABASE_POOL_MIN,
    poolIdleMs: config.DATABASE_POOL_IDLE_MS,
    poolAcquireTimeoutMs: config.DATABASE_POOL_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    clientIdentifier: config.DELIUS_AUDIT_USER,
    oracleClient: { mode: config.ORACLE_CLIENT_MODE, libDir: config.ORACLE_CLIENT_LIB_DIR },
    oracle: {
      connectString: config.ORACLE_CONNECT_STRING,
      configDir: config.ORACLE_CONFIG_DIR,
      walletLocation: config.ORACLE_WALLET_LOCATION,
      walletPassword: config.ORACLE_WALLET_PASSWORD,
    },
  };
}

export function sinkOptionsOf(config: Config): SinkOptions {
  return {
    concurrency: config.PARTITION_CONCURRENCY,
    retry: retryOf(config),
    database: databaseSettingsOf(config),
    auditUserName: config.DELIUS_AUDIT_USER,
    referenceDataTtlMs: config.REFERENCE_DATA_TTL_SECONDS * 1000,
    orderWindowMs: config.ORDER_WINDOW_SECONDS * 1000,
    publishBoundMs: config.ORDER_WATERMARK ? config.ORDER_PUBLISH_BOUND_MS : undefined,
  };
}

export function telemetryOf(
  config: Config,
  stages: readonly StageName[],
  version: string,
): TelemetrySettings {
  return {
    serviceName: config.OTEL_SERVICE_NAME,
    serviceVersion: version,
    stages,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    applicationInsightsConnectionString: config.APPLICATIONINSIGHTS_CONNECTION_STRING,
    sentryDsn: config.SENTRY_DSN,
    sentryEnvironment: config.SENTRY_ENVIRONMENT,
  };
}

export function operationsOptionsOf(config: Config): Pick<OperationsServerOptions, 'port' | 'host'> {
  return { port: config.HTTP_PORT, host: config.HTTP_HOST };
}
