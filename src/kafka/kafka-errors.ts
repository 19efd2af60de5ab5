import { AppError, messageOf, type ErrorResolver } from '../domain/errors.ts';

interface KafkajsError {
  readonly name?: string;
  readonly type?: string;
  readonly retriable?: boolean;
}

/** Broker refusals that no retry mends: the record itself is at fault. */
const refusedRecord = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * The Kafka client's errors (kafkajs names them `KafkaJS…`): a record the broker refuses for what it is will
 * never be accepted; anything else (a broker down, a leader moving, a request timing out) passes.
 */
export const resolveKafkaError: ErrorResolver = (error) => {
  const { name, type } = (error ?? {}) as KafkajsError;
  if (!name?.startsWith('KafkaJS')) return undefined;
  if (type && refusedRecord.has(type))
    return new AppError('invalid-message', `Kafka refused the record: ${messageOf(error)}`, {
      cause: error,
      context: { kafkaError: type },
    });
  return new AppError('kafka-unavailable', messageOf(error), {
    retryable: true,
    cause: error,
    dependency: 'kafka',
  });
};

/** Another process created the topic first. */
export const isTopicAlreadyExists = (error: unknown): boolean =>
  (error as KafkajsError | null)?.type === 'TOPIC_ALREADY_EXISTS';

/** A topic the broker does not have (before the service has ever run, say), in the protocol's words. */
export function isUnknownTopic(error: unknown): boolean {
  const found = error as { type?: string; message?: string } | null;
  return (
    found?.type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
    /does not host this topic-partition/.test(found?.message ?? '')
  );
}

/** The broker refused a record for what it is (too large, invalid): sending it again as it is cannot succeed. */
export const isRefusedRecord = (error: unknown): boolean =>
  refusedRecord.has((error as KafkajsError | null)?.type ?? '');
