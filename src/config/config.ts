import { z } from 'zod';
import {
  kafkaSecurityShape,
  registrySecurityShape,
  securityProblems,
  securitySecrets,
  type KafkaSecuritySettings,
  type RegistrySecuritySettings,
} from '../kafka/security.ts';
import { connectorDefaults } from '../connectors/connector-stage.ts';
import { retryDefaults } from '../kafka/backoff.ts';
import { kafkaRuntimeDefaults } from '../kafka/runtime.ts';
import { processorDefaults } from '../processors/processor-stage.ts';
import { sinkDefaults } from '../sinks/sink-stage.ts';
import { statementTimeoutMs } from '../db/sequelize.ts';

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);
const positiveInt = z.coerce.number().int().positive();
/** An http(s) origin, `scheme://host[:port]`: nothing a browser would not call an origin (no file:, data:, …). */
const origin = z.string().transform((value, context) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    context.addIssue({ code: 'custom', message: `not a URL: ${value}` });
    return z.NEVER;
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash
  ) {
    context.addIssue({ code: 'custom', message: `not an http(s) origin (scheme://host[:port]): ${value}` });
    return z.NEVER;
  }
  return url.origin;
});

export const stageNames = ['connector', 'processor', 'sink'] as const;
export type StageName = (typeof stageNames)[number];

/**
 * Every setting, from environment variables, validated once at start-up. The README's configuration table
 * documents the same names. Secrets (HMPPS_AUTH_CLIENT_SECRET, the password in DATABASE_URL, the Oracle wallet's
 * password, AWS_SECRET_ACCESS_KEY, the Kafka and registry credentials and keys) are never logged.
 */
/** An image's build argument, carried into its environment: empty where the build was given none. */
const buildArgument = z
  .string()
  .max(100)
  .optional()
  .transform((value) => value || undefined);

export const configSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.stringbool().default(false),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The address of the operations endpoints: all interfaces, for an orchestrator's probes; 127.0.0.1 locally. */
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Build data /info shows: the image's build arguments (Dockerfile), empty where a build gave none, and absent
   * on a developer's machine.
   */
  BUILD_NUMBER: buildArgument,
  GIT_REF: buildArgument,
  /** The service's id in HMPPS's service catalogue, shown by /info. */
  PRODUCT_ID: z.string().min(1).max(100).optional(),
  /** Whether /info also shows the configuration (redacted): off, since it names every host, queue and user. */
  INFO_SHOW_CONFIG: z.stringbool().default(false),

  KAFKA_BROKERS: list.pipe(z.array(z.string().regex(/^[^:]+:\d+$/, 'host:port')).min(1)),
  KAFKA_CLIENT_ID: z.string().min(1).default('workforce-allocations-to-delius'),
  ...kafkaSecurityShape,
  SCHEMA_REGISTRY_URL: z.url(),
  ...registrySecurityShape,
  TOPIC_PARTITIONS: positiveInt.default(6),
  /**
   * Whether the service creates its topics (it then needs the right to) or only checks that they exist with at
   * least TOPIC_PARTITIONS partitions. Default: on, but off where NODE_ENV=production (the image).
   */
  KAFKA_CREATE_TOPICS: z.stringbool().default(kafkaRuntimeDefaults.createTopics),
  /** Replicas of each topic the service creates. Default: 3 where NODE_ENV=production, else 1. */
  KAFKA_REPLICATION_FACTOR: positiveInt.default(1),
  /** How long the topics the service creates keep records (ms; -1: for ever). Default 7 days. */
  KAFKA_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(-1)
    .default(7 * 24 * 3_600_000),
  /** How long the dead-letter topic keeps letters (ms; -1: for ever). Default 365 days: long, to be noticed. */
  DEAD_LETTER_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(-1)
    .default(365 * 24 * 3_600_000),
  /**
   * Whether the service registers its Avro schemas (it then needs write access to the registry) or only looks up
   * the ids of the schemas it was built with, refusing to start if they are not registered. Default as above.
   */
  SCHEMA_REGISTER: z.stringbool().default(kafkaRuntimeDefaults.registerSchemas),
  /** Partitions a process works on at once (each in order); more processes share the partitions. */
  PARTITION_CONCURRENCY: positiveInt.default(sinkDefaults.concurrency),
  /** How long a silent consumer keeps its partitions: after a crash, its partitions wait this long for another. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(kafkaRuntimeDefaults.sessionTimeoutMs),
  /**
   * The sink holds each allocation this long after it was made, so that a person's allocations that reach Kafka
   * out of order are applied in the order they were made (0: applied as they come). README, "Order per person".
   */
  ORDER_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600)
    .default(sinkDefaults.orderWindowMs / 1000),
  /**
   * Release each held allocation as soon as the connectors' watermark shows nothing made before it can still
   * arrive (off: the order window alone holds). README, "Order per person".
   */
  ORDER_WATERMARK: z.stringbool().default(true),
  /** The longest Workforce takes from making an allocation (createdDate) to publishing its event, in ms. */
  ORDER_PUBLISH_BOUND_MS: z.coerce.number().int().min(0).max(60_000).default(sinkDefaults.publishBoundMs),
  /** How late SQS may show a message it took in (and its answer reach the connector), in ms. */
  SQS_LATE_DELIVERY_MS: z.coerce.number().int().min(0).max(60_000).default(connectorDefaults.lateMs),
  REFERENCE_DATA_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(sinkDefaults.referenceDataTtlMs / 1000),
  DOMAIN_EVENTS_TOPIC: z.string().min(1).default('allocations.domain-events'),
  ALLOCATIONS_TOPIC: z.string().min(1).default('allocations.enriched'),
  IAPS_EVENTS_TOPIC: z.string().min(1).default('allocations.iaps-events'),
  DEAD_LETTER_TOPIC: z.string().min(1).default('allocations.dead-letters'),
  CONSUMER_GROUP_PREFIX: z.string().min(1).default('workforce-allocations-to-delius'),

  AWS_REGION: z.string().min(1).default('eu-west-2'),
  AWS_ENDPOINT_URL: z.url().optional(),
  /** Static credentials, for local emulators only; in AWS leave them unset and the default chain (IRSA) applies. */
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** The connector's queue: required by the connector only (each stage is given only what it uses). */
  ALLOCATIONS_QUEUE_URL: z.url().optional(),
  SQS_VISIBILITY_TIMEOUT_SECONDS: positiveInt.default(connectorDefaults.visibilityTimeoutSeconds),
  /** The largest SQS body taken on (a domain event is well under a kilobyte); larger ones go to the DLQ. */
  SQS_MAX_BODY_BYTES: positiveInt.default(connectorDefaults.maxBodyBytes),
  /** Long-poll wait (1–20 s): the longest a shutdown waits for the connector's receive in flight. */
  SQS_WAIT_TIME_SECONDS: z.coerce.number().int().min(1).max(20).default(connectorDefaults.waitTimeSeconds),

  /** The processor's HMPPS Auth client: required by the processor only, so no other stage holds its secret. */
  HMPPS_AUTH_URL: z.url().optional(),
  HMPPS_AUTH_CLIENT_ID: z.string().min(1).optional(),
  HMPPS_AUTH_CLIENT_SECRET: z.string().min(1).optional(),
  /**
   * Origins (scheme://host:port) detail URLs may point at; anything else is dead-lettered, never requested.
   * Required by the processor only.
   */
  DETAIL_URL_ALLOW_LIST: list.pipe(z.array(origin).min(1)).optional(),
  DETAIL_CONNECT_TIMEOUT_MS: positiveInt.default(processorDefaults.connectTimeoutMs),
  DETAIL_READ_TIMEOUT_MS: positiveInt.default(processorDefaults.readTimeoutMs),
  /** The largest allocation detail read (a real one is well under a kilobyte); larger ones are dead-lettered. */
  DETAIL_MAX_BYTES: positiveInt.default(processorDefaults.maxDetailBytes),

  RETRY_MAX_ATTEMPTS: positiveInt.default(retryDefaults.maxAttempts),
  RETRY_INITIAL_DELAY_MS: positiveInt.default(retryDefaults.initialDelayMs),
  RETRY_MAX_DELAY_MS: positiveInt.default(retryDefaults.maxDelayMs),

  /**
   * Delius, for the sink (a process of the other stages needs none). No default: a local run is given its own
   * (`npm run dev`), production its Oracle; nothing falls back to a file of a checkout.
   */
  DATABASE_URL: z
    .string()
    .regex(/^(oracle|postgres|postgresql):/, 'oracle: or postgres: URL')
    .optional(),
  DATABASE_SCHEMA: z.string().optional(),
  DATABASE_POOL_MAX: positiveInt.default(4),
  DATABASE_POOL_MIN: z.coerce.number().int().min(0).default(0),
  DATABASE_POOL_IDLE_MS: positiveInt.default(10_000),
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS: positiveInt.default(30_000),
  /** The longest a statement may run or wait for a lock; keep it well inside KAFKA_SESSION_TIMEOUT_MS. */
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(statementTimeoutMs),
  /**
   * Oracle: where to connect, when DATABASE_URL's host/port/service will not do: an Easy Connect string
   * (`tcps://host:2484/SERVICE?...`), a TNS alias (with ORACLE_CONFIG_DIR) or a full descriptor. DATABASE_URL
   * still gives the user and password.
   */
  ORACLE_CONNECT_STRING: z.string().min(1).optional(),
  /** Oracle: the folder of tnsnames.ora (TNS aliases) and, for TCPS, of the wallet unless given below. */
  ORACLE_CONFIG_DIR: z.string().min(1).optional(),
  /** Oracle TCPS: the folder of the wallet (ewallet.pem), and its password. */
  ORACLE_WALLET_LOCATION: z.string().min(1).optional(),
  ORACLE_WALLET_PASSWORD: z.string().min(1).optional(),
  /**
   * Oracle: `thin` (node-oracledb alone, the default) or `thick` (through Oracle Instant Client, for an estate
   * that requires Native Network Encryption, which thin mode does not speak). Thick needs the image variant with
   * Instant Client (README, "Running against Oracle").
   */
  ORACLE_CLIENT_MODE: z.enum(['thin', 'thick']).default('thin'),
  /** Oracle thick mode: the Instant Client folder (on Linux, put it on LD_LIBRARY_PATH or ldconfig instead). */
  ORACLE_CLIENT_LIB_DIR: z.string().min(1).optional(),
  DELIUS_AUDIT_USER: z.string().min(1).default(sinkDefaults.auditUserName),

  /**
   * Traces (src/observability/tracing.ts), each exporter off unless set: an OTLP/HTTP collector (spans to
   * `<endpoint>/v1/traces`), and Application Insights, as the HMPPS services beside this one report to it.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default('workforce-allocations-to-delius'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).max(2_048).optional(),
  /** Errors (dead letters, a failed start) to Sentry: off unless set. The DSN's key is never shown. */
  SENTRY_DSN: z.url().optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).max(64).optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Defaults that differ in production (NODE_ENV=production, as the image sets): least privilege there, so that
 * the service needs no right to create topics or register schemas, and replicated topics.
 */
function environmentDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  return env['NODE_ENV'] === 'production'
    ? { KAFKA_CREATE_TOPICS: 'false', SCHEMA_REGISTER: 'false', KAFKA_REPLICATION_FACTOR: '3' }
    : {};
}

/** Reads and validates the configuration, failing with one line that names each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return settingsFrom(configSchema, env);
}

/**
 * Settings of a schema (the service's, or the tool's subset), from the environment over the production defaults,
 * with the security settings checked together: one line naming each bad variable.
 */
export function settingsFrom<S extends z.ZodType<KafkaSecuritySettings & RegistrySecuritySettings>>(
  schema: S,
  env: NodeJS.ProcessEnv,
): z.infer<S> {
  const parsed = schema.safeParse({ ...environmentDefaults(env), ...env });
  const problems = parsed.success
    ? securityProblems(parsed.data)
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.code === 'invalid_type' && env[name] === undefined
          ? `${name} is required`
          : `${name}: ${issue.message}`;
      });
  if (problems.length || !parsed.success)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return parsed.data;
}

/** Query parameters whose values are credentials, whatever a driver calls them. */
const secretParameter = /pass|pwd|secret|token|key|credential|auth|signature/i;

/**
 * A URL with its credentials hidden: the password of its userinfo (the userinfo ends at the authority's last
 * `@`, so a password may hold one), and the value of any query parameter that names a secret.
 */
export function redactUrl(value: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(value);
  if (!match) return value;
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const user = userinfo?.split(':')[0] ?? '';
  const shownAuthority = userinfo === undefined ? authority : `${user}:[redacted]@${authority.slice(at + 1)}`;
  const shownRest = rest.replace(/([?&])([^=&#]*)=([^&#]*)/g, (whole, separator: string, name: string) =>
    secretParameter.test(name) ? `${separator}${name}=[redacted]` : whole,
  );
  return `${scheme}${shownAuthority}${shownRest}`;
}

/** What may be shown (for example by /info): every setting but the secrets, and every URL without its credentials. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const shown = Object.fromEntries(
    Object.entries(config).map(([name, value]) => [
      name,
      typeof value === 'string' ? redactUrl(value) : value,
    ]),
  );
  return {
    ...shown,
    ...(config.HMPPS_AUTH_CLIENT_SECRET ? { HMPPS_AUTH_CLIENT_SECRET: '[redacted]' } : {}),
    ...(config.APPLICATIONINSIGHTS_CONNECTION_STRING
      ? { APPLICATIONINSIGHTS_CONNECTION_STRING: '[redacted]' }
      : {}),
    ...(config.SENTRY_DSN ? { SENTRY_DSN: '[redacted]' } : {}),
    ...(config.AWS_SECRET_ACCESS_KEY ? { AWS_SECRET_ACCESS_KEY: '[redacted]' } : {}),
    ...(config.ORACLE_WALLET_PASSWORD ? { ORACLE_WALLET_PASSWORD: '[redacted]' } : {}),
    ...Object.fromEntries(
      securitySecrets.filter((name) => config[name] !== undefined).map((name) => [name, '[redacted]']),
    ),
  };
}
