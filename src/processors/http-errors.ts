import { AppError, messageOf, type ErrorResolver } from '../domain/errors.ts';

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

/**
 * An answer that is not a success. 404: the detail can lag behind the event; 5xx, 408 and 429: the API is
 * struggling. Both pass. Any other 4xx will not change.
 */
export function httpStatusError(
  status: number,
  what: string,
  context: Record<string, unknown> = {},
): AppError {
  const retryable = status === 404 || status === 408 || status === 429 || status >= 500;
  return new AppError('http-error', `${what} answered ${status}`, {
    retryable,
    context: { status, ...context },
  });
}
