import { AppError, isOutageStatus, messageOf, type ErrorResolver } from '../domain/errors.ts';

const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The schema registry client's errors (@kafkajs/confluent-schema-registry over mappersmith). It does not keep
 * the socket error's code everywhere, so its message is read too. Unreachable or refusing: an outage.
 */
export const resolveRegistryError: ErrorResolver = (error) => {
  const found = error as { code?: string; status?: unknown; cause?: { code?: string } } | null;
  const code = found?.cause?.code ?? found?.code;
  const status = typeof found?.status === 'number' ? found.status : undefined;
  const message = messageOf(error);
  const unreachable =
    (code !== undefined && unreachableCodes.has(code)) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|fetch failed|socket hang up|timed out|Timeout \(\d+ms\)/i.test(
      message,
    );
  // A 404 (an id or subject the registry does not have) is the record's, never the registry's.
  if (status !== undefined && isOutageStatus(status))
    return new AppError('registry-unavailable', `the schema registry answered ${status}: ${message}`, {
      retryable: true,
      cause: error,
      context: { status },
      dependency: 'schema-registry',
    });
  return unreachable
    ? new AppError('registry-unavailable', `the schema registry is unreachable: ${message}`, {
        retryable: true,
        cause: error,
        dependency: 'schema-registry',
      })
    : undefined;
};
