import { AppError } from './errors.ts';

interface ForeignError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string | number;
  readonly errorNum?: number;
  readonly parent?: ForeignError;
  readonly original?: ForeignError;
}

const connectionErrors = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
  'SequelizeConnectionTimedOutError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeInvalidConnectionError',
]);

/** PostgreSQL SQLSTATEs worth another try: serialisation failure, deadlock, lock not available, cancelled statement. */
const postgresTransient = new Set(['40001', '40P01', '55P03', '57014']);
/** Oracle: deadlock (60), resource busy (54), cannot serialise (8177), lost or refused connections. */
const oracleTransient = new Set([54, 60, 8177, 3113, 3114, 3135, 12170, 12514, 12528, 12537, 12541]);

function databaseCause(error: ForeignError): ForeignError | undefined {
  return error.parent ?? error.original;
}

/**
 * The one place that decides what a foreign error means: its code and whether it is worth retrying.
 * It reads names and codes rather than classes, so the domain does not depend on the drivers.
 */
export function classifyError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const foreign = (typeof error === 'object' && error !== null ? error : {}) as ForeignError;
  const message = foreign.message ?? String(error);
  const name = foreign.name ?? '';

  if (name === 'ZodError') return new AppError('invalid-detail', message, { cause: error });
  if (name === 'SequelizeOptimisticLockError')
    return new AppError('optimistic-lock', message, { retryable: true, cause: error });
  if (connectionErrors.has(name))
    return new AppError('database-unavailable', message, { retryable: true, cause: error });
  if (name === 'SequelizeTimeoutError')
    return new AppError('database-busy', message, { retryable: true, cause: error });
  if (name === 'SequelizeUniqueConstraintError') {
    // A concurrent writer got there first (for example the one active responsible officer): recomputing wins.
    return new AppError('database-busy', message, { retryable: true, cause: error });
  }
  if (name.startsWith('Sequelize')) {
    const cause = databaseCause(foreign);
    const code = cause?.code;
    if (typeof code === 'string' && (postgresTransient.has(code) || code.startsWith('08'))) {
      return new AppError('database-busy', message, {
        retryable: true,
        cause: error,
        context: { sqlState: code },
      });
    }
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
      return new AppError('database-busy', message, { retryable: true, cause: error });
    if (cause?.errorNum !== undefined && oracleTransient.has(cause.errorNum)) {
      return new AppError('database-busy', message, {
        retryable: true,
        cause: error,
        context: { oraCode: cause.errorNum },
      });
    }
    if (typeof code === 'string' && code.startsWith('NJS-5'))
      return new AppError('database-unavailable', message, { retryable: true, cause: error });
  }
  return new AppError('unexpected', message, { cause: error });
}
