import { z } from 'zod';
import { configSchema, ConfigError, settingsFrom, type StageName } from '../config/config.ts';
import { kafkaSecurityShape, registrySecurityShape } from '../kafka/security.ts';
import { topologyOf } from '../topology.ts';

/** The settings the operator's tool needs: a subset of the service's, plus where SNS and the SQS DLQ are. */
export const cliConfigSchema = configSchema
  .pick({
    KAFKA_BROKERS: true,
    KAFKA_CLIENT_ID: true,
    SCHEMA_REGISTRY_URL: true,
    DOMAIN_EVENTS_TOPIC: true,
    ALLOCATIONS_TOPIC: true,
    IAPS_EVENTS_TOPIC: true,
    DEAD_LETTER_TOPIC: true,
    CONSUMER_GROUP_PREFIX: true,
    TOPIC_PARTITIONS: true,
    KAFKA_REPLICATION_FACTOR: true,
    KAFKA_RETENTION_MS: true,
    DEAD_LETTER_RETENTION_MS: true,
    AWS_REGION: true,
    AWS_ENDPOINT_URL: true,
    AWS_ACCESS_KEY_ID: true,
    AWS_SECRET_ACCESS_KEY: true,
  })
  .extend({
    ...kafkaSecurityShape,
    ...registrySecurityShape,
    DOMAIN_EVENTS_TOPIC_ARN: z.string().min(1).optional(),
    ALLOCATIONS_QUEUE_URL: z.url().optional(),
    ALLOCATIONS_DLQ_URL: z.url().optional(),
    /** CloudWatch's endpoint, where it is not AWS's (`status` asks it for the queue's age). */
    AWS_ENDPOINT_URL_CLOUDWATCH: z.url().optional(),
  });
export type CliConfig = z.infer<typeof cliConfigSchema>;

/** The tool's settings, from the environment. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return settingsFrom(cliConfigSchema, env);
}

export function required<K extends keyof CliConfig>(config: CliConfig, name: K): NonNullable<CliConfig[K]> {
  const value = config[name];
  if (value === undefined || value === null)
    throw new ConfigError(`${String(name)} is required for this command`);
  return value;
}

/** The topic a stage consumes and its consumer group. */
export function stageInput(config: CliConfig, stage: StageName): { topic: string; groupId: string } {
  if (stage === 'connector')
    throw new UsageError('the connector reads SQS, not Kafka: it has no offsets to replay or lag to show');
  const { groupId, input } = topologyOf(config)[stage];
  return { topic: input.topic, groupId };
}

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
