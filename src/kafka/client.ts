import kafkajs, { type Kafka, type KafkaConfig, type logCreator } from 'kafkajs';
import type { Logger } from '../observability/logger.ts';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** Routes kafkajs's own logs into the service's structured logger, one child per kafkajs namespace. */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const child = logger.child({ kafkajs: namespace });
      // kafkajs logs every error response of the protocol at ERROR, including those it handles itself by
      // retrying or rejoining (a rebalance, a coordinator moving): WARN, so that ERROR means the service's own.
      const effective = level === logLevel.ERROR && namespace === 'Connection' ? logLevel.WARN : level;
      switch (effective) {
        case logLevel.ERROR:
          child.error(fields, message);
          break;
        case logLevel.WARN:
          child.warn(fields, message);
          break;
        case logLevel.INFO:
          child.info(fields, message);
          break;
        default:
          child.debug(fields, message);
      }
    };
}

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS and SASL for a secured cluster (src/kafka/security.ts); none for a plaintext one. */
  readonly security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

export function createKafka(
  settings: KafkaSettings,
  logger: Logger,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
  return new KafkaClient({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ...settings.security,
    // Every request (admin calls included) has a time limit: kafkajs's defaults, said here so that they stay.
    connectionTimeout: 1_000,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    // kafkajs logs at INFO on every join and commit; WARN keeps the service's logs about the service.
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    ...overrides,
  });
}
