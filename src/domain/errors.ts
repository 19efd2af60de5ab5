/**
 * Every failure the service reports is an AppError: a stable `code` for logs, metrics and dead-letter
 * headers, whether trying again could help (`retryable`), the foreign error it came from (`cause`) and the
 * identifiers needed to find the case (`context`). Each adapter has a resolver that recognises its own foreign
 * errors; `classifierOf` composes them into the one classifier (`src/classify-error.ts`).
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
  // the process is stopping: what was in hand is delivered again
  | 'stopped'
  // bad input: never retried
  // the topics or schemas the service does not provision itself are missing: fatal at start-up
  | 'not-provisioned'
  | 'invalid-message'
  | 'invalid-detail'
  | 'disallowed-url'
  | 'unexpected';

/**
 * What the service calls on a message's behalf. A failure that names one may be that dependency's outage, to be
 * waited out rather than dead-lettered (src/kafka/outage-watch.ts).
 */
export type Dependency = 'workload-api' | 'hmpps-auth' | 'schema-registry' | 'kafka' | 'database';

/**
 * HTTP statuses that say a server cannot serve anyone just now, whatever was asked: failing (5xx), shedding load
 * (429), slow (408), or refusing the service itself (401 with fresh credentials, 403: its roles or credentials,
 * which an operator mends). A failure with one of them may be an outage (the Workload API's, the registry's).
 */
export function isOutageStatus(status: number): boolean {
  return status >= 500 || status === 401 || status === 403 || status === 408 || status === 429;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;
  /** The dependency that did not answer as it should: set only for a retryable failure that may be its outage. */
  readonly dependency: Dependency | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      retryable?: boolean;
      cause?: unknown;
      context?: Record<string, unknown>;
      dependency?: Dependency;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
    this.dependency = options.retryable ? options.dependency : undefined;
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

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** The first line of the message of anything thrown (node-oracledb adds a "Help:" line with a link). */
export function firstLineOf(error: unknown): string {
  return messageOf(error).split('\n')[0] ?? '';
}

/** Recognises the foreign errors of one adapter (database, HTTP, registry, Kafka); undefined for the others'. */
export type ErrorResolver = (error: unknown) => AppError | undefined;

/**
 * Composes the adapters' resolvers into one classifier: an AppError stays as it is, a foreign error becomes
 * the first resolver's answer, and anything no resolver knows is `unexpected` and not retried.
 */
export function classifierOf(...resolvers: readonly ErrorResolver[]): (error: unknown) => AppError {
  return (error) => {
    if (error instanceof AppError) return error;
    for (const resolve of resolvers) {
      const resolved = resolve(error);
      if (resolved) return resolved;
    }
    return new AppError('unexpected', messageOf(error), { cause: error });
  };
}

/** zod, the domain's own schemas: a payload that does not fit is bad input, never retried. */
export const resolveValidationError: ErrorResolver = (error) =>
  (error as { name?: string } | null)?.name === 'ZodError'
    ? new AppError('invalid-detail', messageOf(error), { cause: error })
    : undefined;
