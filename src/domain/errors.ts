/**
 * Every failure the service reports is an AppError: a stable `code` for logs, metrics and dead-letter
 * headers, whether trying again could help (`retryable`), the foreign error it came from (`cause`) and the
 * identifiers needed to find the case (`context`). `classifyError` turns foreign errors into AppErrors.
 */
export type ErrorCode =
  // business rules (rules §11.1): fatal, the message goes to a dead letter
  | 'not-found'
  | 'not-active'
  | 'conflict'
  // infrastructure: worth retrying
  | 'optimistic-lock'
  | 'database-busy'
  | 'database-unavailable'
  | 'http-error'
  | 'timeout'
  | 'registry-unavailable'
  | 'kafka-unavailable'
  | 'retries-exhausted'
  // bad input: never retried
  | 'invalid-message'
  | 'invalid-detail'
  | 'disallowed-url'
  | 'unexpected';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

export const notFound = (message: string, context?: Record<string, unknown>) =>
  new AppError('not-found', message, { context });
export const notActive = (message: string, context?: Record<string, unknown>) =>
  new AppError('not-active', message, { context });
export const conflict = (message: string, context?: Record<string, unknown>) =>
  new AppError('conflict', message, { context });

/**
 * A business outcome after which the message is acknowledged and dropped, with its reason and properties
 * reported (the original's "ignorable" errors, rules §11.1): pending transfer, external transfer, team not
 * active, requirement or licence condition gone. Thrown inside a transaction to roll it back.
 */
export class IgnorableAllocation extends Error {
  readonly properties: Readonly<Record<string, string>>;

  constructor(reason: string, properties: Record<string, string> = {}) {
    super(reason);
    this.name = 'IgnorableAllocation';
    this.properties = properties;
  }
}
