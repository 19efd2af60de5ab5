import { AppError, isOutageStatus, messageOf, type ErrorResolver } from '../domain/errors.ts';

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The HTTP adapter (undici) failing to get an answer: a timeout, or a connection refused, reset or lost. */
export const resolveHttpError: ErrorResolver = (error) => {
  const { name, cause } = (error ?? {}) as { name?: string; cause?: { code?: string } };
  const code = cause?.code;
  if (name === 'TimeoutError' || (code !== undefined && timeoutCodes.has(code)))
    return new AppError('timeout', 'timed out', { retryable: true, cause: error });
  if (name === 'TypeError' && messageOf(error) === 'fetch failed')
    return new AppError('http-error', code ?? messageOf(error), { retryable: true, cause: error });
  if (code?.startsWith('UND_ERR') || code?.startsWith('ECONN'))
    return new AppError('http-error', code, { retryable: true, cause: error });
  return undefined;
};

/** The longest `Retry-After` honoured as it is; a longer one is waited in steps of this. */
export const retryAfterCapMs = 300_000;

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), retryAfterCapMs) : undefined;
}

/**
 * An answer that is not a success. 404: the detail can lag behind the event, so it is retried, and it is this
 * message's alone. An outage status (above) is retried and names the dependency. Any other 4xx will not change.
 */
export function httpStatusError(
  status: number,
  what: string,
  options: {
    context?: Record<string, unknown>;
    dependency: 'workload-api' | 'hmpps-auth';
    retryAfterMs?: number | undefined;
  },
): AppError {
  const outage = isOutageStatus(status);
  return new AppError('http-error', `${what} answered ${status}`, {
    retryable: outage || status === 404,
    context: {
      status,
      ...options.context,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    },
    ...(outage ? { dependency: options.dependency } : {}),
  });
}
