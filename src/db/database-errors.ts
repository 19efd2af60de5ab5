import { AppError, messageOf, type ErrorResolver } from '../domain/errors.ts';

interface DriverError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string | number;
  readonly errorNum?: number;
  readonly parent?: DriverError;
  readonly original?: DriverError;
}

const connectionErrors = new Set([
  'SequelizeConnectionError',
  // A login refused (Oracle's ORA-01017 wrong password, ORA-28000 locked account, ORA-28040, NJS-506): like
  // PostgreSQL's refused login, which Sequelize reports as a ConnectionError, nothing a message does will fix
  // it, and an operator will (a rotated password put back): waited out, never a dead letter.
  'SequelizeAccessDeniedError',
  'SequelizeConnectionRefusedError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
  'SequelizeConnectionTimedOutError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeInvalidConnectionError',
]);

/** PostgreSQL SQLSTATEs worth another try: serialisation failure, deadlock, lock not available, cancelled statement. */
const postgresTransient = new Set(['40001', '40P01', '55P03', '57014']);
/**
 * Oracle, worth another try (PostgreSQL's 40P01, 55P03, 40001, 57014 and the like): resource busy (54), deadlock
 * (60), a lock wait past its timeout (30006), cannot serialise (8177), package state discarded by a recompile
 * (4068, 4061, 4065: the next call runs the new code), a call that cannot be replayed (25408), a statement
 * cancelled by its time limit (1013).
 */
const oracleTransient = new Set([54, 60, 30006, 8177, 4068, 4061, 4065, 25408, 1013]);
/**
 * Oracle, down or unreachable (PostgreSQL's ECONNRESET, 57P01–57P03): the connection lost mid-statement (3113,
 * 3114, 3135), shutdown or start-up in progress (1089, 1033, 1034, 1092), the listener without the service or
 * refusing it (12514, 12528, 12537, 12541, 12170).
 */
const oracleUnavailable = new Set([
  3113, 3114, 3135, 1089, 1033, 1034, 1092, 12514, 12528, 12537, 12541, 12170,
]);

/** Socket errors, and PostgreSQL's admin shutdown, crash shutdown and cannot-connect-now (57P01–57P03). */
const lostConnectionCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
]);
const lostConnectionMessage = /Connection terminated|connection error and is not queryable|socket hang up/i;

const asDriverError = (error: unknown): DriverError =>
  typeof error === 'object' && error !== null ? error : {};

/** A write that met a row with the same key (Sequelize's name for every dialect's unique violation). */
export const isUniqueViolation = (error: unknown): boolean =>
  asDriverError(error).name === 'SequelizeUniqueConstraintError';

/**
 * What the database adapter's errors (Sequelize over pg and oracledb) mean. It reads names and codes
 * rather than classes, so nothing here loads a driver.
 */
export const resolveDatabaseError: ErrorResolver = (error) => {
  const foreign = asDriverError(error);
  const name = foreign.name ?? '';
  if (!name.startsWith('Sequelize')) return undefined;
  const message = messageOf(error);
  const retry = (code: 'optimistic-lock' | 'database-busy' | 'database-unavailable', context = {}) =>
    new AppError(code, message, {
      retryable: true,
      cause: error,
      context,
      // Unreachable or refusing the login: an outage, waited out; busy (a lock, a conflict) is this message's.
      ...(code === 'database-unavailable' ? { dependency: 'database' as const } : {}),
    });

  if (name === 'SequelizeOptimisticLockError') return retry('optimistic-lock');
  if (connectionErrors.has(name)) return retry('database-unavailable');
  if (name === 'SequelizeTimeoutError') return retry('database-busy');
  // A concurrent writer got there first (for example the one active responsible officer): recomputing wins.
  if (isUniqueViolation(error)) return retry('database-busy');
  const cause = foreign.parent ?? foreign.original;
  const code = cause?.code;
  // The connection went in the middle of a statement: the database (or the way to it) is down, so wait for it
  // like a refused connection. pg says so only in words; the socket and the server's shutdown say it in codes.
  if (
    (typeof code === 'string' && lostConnectionCodes.has(code)) ||
    lostConnectionMessage.test(cause?.message ?? '')
  )
    return retry('database-unavailable', typeof code === 'string' ? { code } : {});
  if (typeof code === 'string' && (postgresTransient.has(code) || code.startsWith('08')))
    return retry('database-busy', { sqlState: code });
  if (cause?.errorNum !== undefined && oracleUnavailable.has(cause.errorNum))
    return retry('database-unavailable', { oraCode: cause.errorNum });
  if (cause?.errorNum !== undefined && oracleTransient.has(cause.errorNum))
    return retry('database-busy', { oraCode: cause.errorNum });
  if (typeof code === 'string' && code.startsWith('NJS-5')) return retry('database-unavailable');
  // A round trip past the connection's callTimeout (thick mode's DPI-1067 is reported as NJS-123 too).
  if (code === 'NJS-123' || code === 'DPI-1067') return retry('database-busy', { code });
  return undefined;
};
