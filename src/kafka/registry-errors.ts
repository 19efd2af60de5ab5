import { AppError, messageOf, type ErrorResolver } from '../domain/errors.ts';

const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The schema registry client's errors (@kafkajs/confluent-schema-registry over mappersmith). It does not keep
 * the socket error's code everywhere, so its message is read too. Unreachable: worth a retry.
 */
export const resolveRegistryError: ErrorResolver = (error) => {
  const code =
    (error as { code?: string; cause?: { code?: string } } | null)?.cause?.code ??
    (error as { code?: string } | null)?.code;
  const message = messageOf(error);
  const unreachable =
    (code !== undefined && unreachableCodes.has(code)) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|fetch failed|socket hang up/i.test(message);
  return unreachable
    ? new AppError('registry-unavailable', `the schema registry is unreachable: ${message}`, {
        retryable: true,
        cause: error,
      })
    : undefined;
};
