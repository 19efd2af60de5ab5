// What an Oracle server reports for what went wrong in the double's PostgreSQL: the ORA- number and text that
// Oracle gives for the same failure (the messages as Oracle Database 19c words them).
import type { OracleError } from './responses.ts';
import { UntranslatableSql } from './translate.ts';

interface PostgresError {
  readonly code?: string;
  readonly message?: string;
  readonly constraint?: string;
  readonly column?: string;
  readonly table?: string;
}

const isOracleError = (error: unknown): error is OracleError =>
  typeof error === 'object' && error !== null && 'num' in error && typeof error.num === 'number';

export function oracleErrorOf(error: unknown): OracleError {
  if (isOracleError(error)) return error;
  if (error instanceof UntranslatableSql)
    return { num: 900, message: `ORA-00900: invalid SQL statement (${error.message})` };
  const pgError = (typeof error === 'object' && error !== null ? error : {}) as PostgresError;
  const constraint = `DELIUS.${pgError.constraint ?? 'UNKNOWN'}`;
  switch (pgError.code) {
    case '23505':
      return { num: 1, message: `ORA-00001: unique constraint (${constraint}) violated` };
    case '23503':
      return {
        num: 2291,
        message: `ORA-02291: integrity constraint (${constraint}) violated - parent key not found`,
      };
    case '23502':
      return {
        num: 1400,
        message: `ORA-01400: cannot insert NULL into ("DELIUS"."${pgError.table}"."${pgError.column}")`,
      };
    case '23514':
      return { num: 2290, message: `ORA-02290: check constraint (${constraint}) violated` };
    case '40P01':
      return { num: 60, message: 'ORA-00060: deadlock detected while waiting for resource' };
    case '55P03':
      return {
        num: 54,
        message: 'ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired',
      };
    case '40001':
      return { num: 8177, message: "ORA-08177: can't serialize access for this transaction" };
    case '22P02':
      return { num: 1722, message: 'ORA-01722: invalid number' };
    case '22001':
      return { num: 12899, message: `ORA-12899: value too large for column (${pgError.message ?? ''})` };
    case '42P01':
      return /relation "[^"]*_SEQ" does not exist/.test(pgError.message ?? '')
        ? { num: 2289, message: 'ORA-02289: sequence does not exist' }
        : { num: 942, message: 'ORA-00942: table or view does not exist' };
    case '42703':
      return { num: 904, message: `ORA-00904: invalid identifier (${pgError.message ?? ''})` };
    case '57014':
      return { num: 1013, message: 'ORA-01013: user requested cancel of current operation' };
    default:
      // Nothing Oracle would say the same way: fail loudly, with PostgreSQL's words.
      return {
        num: 600,
        message: `ORA-00600: internal error code, arguments: [oracle-double], [${pgError.code ?? 'no code'}], [${pgError.message ?? String(error)}]`,
      };
  }
}
