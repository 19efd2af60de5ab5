import type { AppError } from '../domain/errors.ts';

/** Headers a dead-lettered record carries: why, where it came from, and when, so it can be fixed and redriven. */
export const deadLetterHeader = {
  code: 'dlt-error-code',
  message: 'dlt-error-message',
  stage: 'dlt-stage',
  topic: 'dlt-original-topic',
  partition: 'dlt-original-partition',
  offset: 'dlt-original-offset',
  attempts: 'dlt-attempts',
  failedAt: 'dlt-failed-at',
  /** On a letter written without the whole record (it was too large): what was left out. */
  truncated: 'dlt-truncated',
} as const;

/** How much of a record's value a letter written without the whole record keeps. */
export const deadLetterExcerptBytes = 1_024;

export function deadLetterHeaders(
  stage: string,
  origin: { topic: string; partition: number; offset: string },
  error: AppError,
  attempts: number,
): Record<string, string> {
  return {
    [deadLetterHeader.code]: error.code,
    [deadLetterHeader.message]: error.message.slice(0, 2_000),
    [deadLetterHeader.stage]: stage,
    [deadLetterHeader.topic]: origin.topic,
    [deadLetterHeader.partition]: String(origin.partition),
    [deadLetterHeader.offset]: origin.offset,
    [deadLetterHeader.attempts]: String(attempts),
    [deadLetterHeader.failedAt]: new Date().toISOString(),
  };
}
