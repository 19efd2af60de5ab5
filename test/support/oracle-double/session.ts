/* eslint-disable @typescript-eslint/no-base-to-string, @typescript-eslint/only-throw-error -- the double passes on driver values of any kind as text, raises ORA- answers as plain records, and wraps the driver's own methods */
// One Oracle session of the double: what a dedicated server process would hold for one connection. Its
// statements run on a PostgreSQL connection of its own, with Oracle's transaction rules (a transaction starts
// with the first write and ends with a commit or rollback; a failed statement undoes only itself) and Oracle's
// session state (time zone, NLS date format, client identifier).
import pg from 'pg';
import {
  wireConstant,
  type BindInfo,
  type DbType,
  type ThinMessage,
  type ThinStatement,
} from './driver-internals.ts';
import { ResponseWriter, type Column, type ColumnType, type OracleError } from './responses.ts';
import { translate, UntranslatableSql, type Translation } from './translate.ts';
import { oracleErrorOf } from './errors.ts';
import { wallClockMsIn } from '../../../src/delius/time.ts';

export interface DoubleSettings {
  /** The PostgreSQL database and schema that hold the double's tables. */
  readonly postgresUrl: string;
  readonly schema: string;
  /** What `SELECT DBTIMEZONE FROM DUAL` answers: an offset such as `+00:00`, or a region such as `Europe/London`. */
  readonly dbTimeZone: string;
  /** A fault to raise instead of running a statement, e.g. to see how the service classifies it. */
  readonly faultFor?: (sql: string) => OracleError | undefined;
}

/** One execute call in hand: the driver's statement and message, its binds' values, and where the answer goes. */
interface Call {
  readonly statement: ThinStatement;
  readonly bindValue: (index: number) => unknown;
  readonly message: ThinMessage;
  readonly writer: ResponseWriter;
  readonly cursorId: number;
}

interface Cursor {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly unknown[])[];
  position: number;
}

const types = {
  NUMBER: wireConstant('TNS_DATA_TYPE_NUMBER'),
  VARCHAR: wireConstant('TNS_DATA_TYPE_VARCHAR'),
  CHAR: wireConstant('TNS_DATA_TYPE_CHAR'),
  LONG: wireConstant('TNS_DATA_TYPE_LONG'),
  DATE: wireConstant('TNS_DATA_TYPE_DATE'),
  TIMESTAMP: wireConstant('TNS_DATA_TYPE_TIMESTAMP'),
  TIMESTAMP_TZ: wireConstant('TNS_DATA_TYPE_TIMESTAMP_TZ'),
  TIMESTAMP_LTZ: wireConstant('TNS_DATA_TYPE_TIMESTAMP_LTZ'),
  BINARY_INTEGER: wireConstant('TNS_DATA_TYPE_BINARY_INTEGER'),
  CLOB: wireConstant('TNS_DATA_TYPE_CLOB'),
};
const dbTypeOf = (type: number, name: string): DbType => ({ _oraTypeNum: type, name });
const describedType: Record<ColumnType, DbType> = {
  NUMBER: dbTypeOf(types.NUMBER, 'DB_TYPE_NUMBER'),
  VARCHAR2: dbTypeOf(types.VARCHAR, 'DB_TYPE_VARCHAR'),
  DATE: dbTypeOf(types.DATE, 'DB_TYPE_DATE'),
  TIMESTAMP: dbTypeOf(types.TIMESTAMP, 'DB_TYPE_TIMESTAMP'),
  CLOB: dbTypeOf(types.CLOB, 'DB_TYPE_CLOB'),
};

export class OracleDoubleSession {
  readonly statements: string[] = [];
  clientIdentifier: string | undefined;
  /** The session time zone: thin mode sets it at login from the process's offset (or ORA_SDTZ). */
  timeZone: string;
  readonly nls = new Map<string, string>([['NLS_DATE_FORMAT', 'DD-MON-RR']]);
  private readonly client: pg.Client;
  private readonly connected: Promise<unknown>;
  private readonly settings: DoubleSettings;
  private readonly caps: unknown;
  private inTransaction = false;
  private writes = false;
  private isolation: string | undefined;
  private nextCursorId = 1;
  private readonly cursors = new Map<number, Cursor>();

  constructor(settings: DoubleSettings, caps: unknown) {
    this.settings = settings;
    this.caps = caps;
    this.timeZone = loginTimeZone();
    this.client = new pg.Client({
      connectionString: settings.postgresUrl,
      options: `-c search_path="${settings.schema}" -c TimeZone=UTC`,
    });
    this.connected = this.client.connect();
    // A rejected connect is reported by the first statement; it must not be an unhandled rejection meanwhile.
    this.connected.catch(() => undefined);
  }

  /** Whether the driver has closed this connection (logged off, or the pool let it go). */
  closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await this.connected.catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }

  /** The response to one request, as the bytes of its TTC messages. */
  async answer(message: ThinMessage): Promise<Buffer> {
    const writer = new ResponseWriter(this.caps, this.ltzShift());
    try {
      await this.connected;
      await this.handle(message, writer);
    } catch (error) {
      const failed = new ResponseWriter(this.caps, this.ltzShift());
      failed.endOfCall({
        cursorId: message.statement?.cursorId ?? 0,
        rowCount: 0,
        transactionInProgress: this.writes,
        error: oracleErrorOf(error),
      });
      return failed.bytes();
    }
    return writer.bytes();
  }

  /** DBTIMEZONE's offset less the session's, in minutes (a region counts as +00:00: thin mode refuses LTZ then). */
  private ltzShift(): number {
    return offsetMinutes(this.settings.dbTimeZone) - offsetMinutes(this.timeZone);
  }

  /** The answer to a break: the call in progress was cancelled. */
  cancelled(): Buffer {
    const writer = new ResponseWriter(this.caps, this.ltzShift());
    writer.endOfCall({
      cursorId: 0,
      rowCount: 0,
      transactionInProgress: this.writes,
      error: { num: 1013, message: 'ORA-01013: user requested cancel of current operation' },
    });
    return writer.bytes();
  }

  private async handle(message: ThinMessage, writer: ResponseWriter): Promise<void> {
    const end = (cursorId = 0, rowCount = 0, error?: OracleError) =>
      writer.endOfCall({
        cursorId,
        rowCount,
        transactionInProgress: this.writes,
        ...(error ? { error } : {}),
      });
    switch (message.functionCode) {
      case wireConstant('TNS_FUNC_EXECUTE'):
      case wireConstant('TNS_FUNC_REEXECUTE'):
      case wireConstant('TNS_FUNC_REEXECUTE_AND_FETCH'):
        return this.execute(message, writer);
      case wireConstant('TNS_FUNC_FETCH'):
        return this.fetch(message, writer, message.options?.fetchArraySize ?? 100);
      case wireConstant('TNS_FUNC_COMMIT'):
        await this.finish('COMMIT');
        return end();
      case wireConstant('TNS_FUNC_ROLLBACK'):
        await this.finish('ROLLBACK');
        return end();
      case wireConstant('TNS_FUNC_PING'):
      case wireConstant('TNS_FUNC_LOGOFF'):
        return end();
      default:
        throw new UntranslatableSql(`the TTC function ${message.functionCode}`, '');
    }
  }

  private async execute(message: ThinMessage, writer: ResponseWriter): Promise<void> {
    const statement = message.statement as ThinStatement;
    this.statements.push(statement.sql);
    const cursorId = statement.cursorId || this.nextCursorId++;
    const existing = this.cursors.get(cursorId);
    if (statement.requiresDefine && existing) {
      // The driver defined the columns it wants as other types (a CLOB as LONG): send the rows again in those.
      existing.position = 0;
      return this.rows(statement, existing, writer, cursorId, message.options?.prefetchRows ?? 2);
    }
    const fault = this.settings.faultFor?.(statement.sql);
    if (fault) throw fault;
    const translation = translate(statement.sql);
    const bindValue = (index: number) => this.bindValue(statement.bindInfoList[index], message);
    switch (translation.kind) {
      case 'alter-session':
        for (const [name, value] of translation.settings) {
          if (name === 'TIME_ZONE') this.timeZone = value;
          else this.nls.set(name, value);
        }
        return writer.endOfCall({ cursorId, rowCount: 0, transactionInProgress: this.writes });
      case 'set-transaction':
        this.isolation = translation.isolation;
        return writer.endOfCall({ cursorId, rowCount: 0, transactionInProgress: this.writes });
      case 'set-client-identifier':
        this.clientIdentifier = String(bindValue(translation.bind));
        return writer.endOfCall({ cursorId, rowCount: 0, transactionInProgress: this.writes });
      case 'dbtimezone': {
        const cursor = {
          columns: [{ name: 'DBTIMEZONE', type: 'VARCHAR2' as const }],
          rows: [[this.settings.dbTimeZone]],
          position: 0,
        };
        this.cursors.set(cursorId, cursor);
        writer.describe(cursor.columns);
        return this.rows(
          statement,
          cursor,
          writer,
          cursorId,
          message.options?.prefetchRows ?? 2,
          cursor.columns,
        );
      }
      case 'sql':
        return this.run(translation, { statement, bindValue, message, writer, cursorId });
      case 'upsert':
        return this.upsert(translation, { statement, bindValue, message, writer, cursorId });
    }
  }

  private async run(translation: Extract<Translation, { kind: 'sql' }>, call: Call): Promise<void> {
    const { statement, bindValue, message, writer, cursorId } = call;
    const result = await this.query(translation, bindValue);
    if (message.options?.autoCommit) await this.finish('COMMIT');
    if (statement.isQuery) {
      const columns = result.fields.map((field) => ({ name: field.name, type: columnTypeOf(field) }));
      const cursor = { columns, rows: result.rows as unknown[][], position: 0 };
      this.cursors.set(cursorId, cursor);
      writer.describe(columns);
      if (columns.some((column) => column.type === 'CLOB')) {
        // The driver fetches a CLOB as a string by defining it as LONG, which takes another round trip first.
        return writer.endOfCall({ cursorId, rowCount: 0, transactionInProgress: this.writes });
      }
      return this.rows(statement, cursor, writer, cursorId, message.options?.prefetchRows ?? 2, columns);
    }
    if (translation.returnBinds.length > 0) {
      const returned = translation.returnBinds.map((_, column) =>
        result.rows.map((row) => (row as unknown[])[column]),
      );
      const bindTypes = translation.returnBinds.map(
        (bind) => statement.bindInfoList[bind]?.bindVar.type as DbType,
      );
      writer.returning(
        returned.map((values, column) =>
          values.map((value) => fromPostgres(value, bindTypes[column] as DbType)),
        ),
        bindTypes,
      );
    }
    writer.endOfCall({ cursorId, rowCount: result.rowCount ?? 0, transactionInProgress: this.writes });
  }

  /** One translated statement on PostgreSQL, as a statement of the session's transaction. */
  private query(part: Extract<Translation, { kind: 'sql' }>, bindValue: (index: number) => unknown) {
    return this.inStatement(part.writes, () =>
      this.client.query({ text: part.text, values: part.parameters.map(bindValue), rowMode: 'array' }),
    );
  }

  private async upsert(translation: Extract<Translation, { kind: 'upsert' }>, call: Call): Promise<void> {
    const { statement, bindValue, message, writer, cursorId } = call;
    const updated = await this.query(translation.update, bindValue);
    const inserted = updated.rowCount === 0 ? await this.query(translation.insert, bindValue) : undefined;
    if (message.options?.autoCommit) await this.finish('COMMIT');
    const outBinds = [...translation.insert.returnBinds, translation.isUpdateBind];
    const returned = (inserted?.rows[0] as unknown[] | undefined) ?? [];
    const values = [
      ...translation.insert.returnBinds.map((_, column) => returned[column] ?? null),
      inserted ? 0 : 1,
    ];
    const directions = statement.bindInfoList.map((_, index) =>
      outBinds.includes(index) ? wireConstant('TNS_BIND_DIR_OUTPUT') : wireConstant('TNS_BIND_DIR_INPUT'),
    );
    const bindTypes = outBinds.map((bind) => statement.bindInfoList[bind]?.bindVar.type as DbType);
    writer.plsqlOutBinds(
      directions,
      values.map((value, index) => fromPostgres(value, bindTypes[index] as DbType)),
      bindTypes,
      statement.isReturning,
    );
    writer.endOfCall({ cursorId, rowCount: 0, transactionInProgress: this.writes });
  }

  private fetch(message: ThinMessage, writer: ResponseWriter, count: number): void {
    const statement = message.statement as ThinStatement;
    const cursor = this.cursors.get(statement.cursorId);
    if (!cursor) throw { num: 1001, message: 'ORA-01001: invalid cursor' } satisfies OracleError;
    this.rows(statement, cursor, writer, statement.cursorId, count);
  }

  /** Up to `count` rows from the cursor, then the end of the call: ORA-01403 once there are no more. */
  private rows(
    statement: ThinStatement,
    cursor: Cursor,
    writer: ResponseWriter,
    cursorId: number,
    count: number,
    described?: readonly Column[],
  ): void {
    const rowTypes = described
      ? described.map((column) => describedType[column.type])
      : (statement.queryVars ?? []).map((variable) => variable.type);
    const longTrailer = rowTypes.map((type) => type._oraTypeNum === types.LONG);
    const batch = cursor.rows.slice(cursor.position, cursor.position + Math.max(count, 1));
    cursor.position += batch.length;
    for (const row of batch)
      writer.row(
        row.map((value, index) => fromPostgres(value, rowTypes[index] as DbType)),
        rowTypes,
        longTrailer,
      );
    const done = cursor.position >= cursor.rows.length;
    writer.endOfCall({
      cursorId,
      rowCount: cursor.position,
      transactionInProgress: this.writes,
      ...(done ? { error: { num: 1403, message: 'ORA-01403: no data found' } } : {}),
    });
  }

  /**
   * Runs one statement as Oracle would: inside the session's transaction (begun by it if none is open), and
   * undoing only itself when it fails. A statement that neither writes nor locks leaves no transaction behind.
   */
  private async inStatement<T>(writes: boolean, run: () => Promise<T>): Promise<T> {
    if (!this.inTransaction) {
      await this.client.query(this.isolation ? `BEGIN ISOLATION LEVEL ${this.isolation}` : 'BEGIN');
      this.isolation = undefined;
      this.inTransaction = true;
    }
    await this.client.query('SAVEPOINT oracle_statement');
    try {
      const result = await run();
      await this.client.query('RELEASE SAVEPOINT oracle_statement');
      if (writes) this.writes = true;
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK TO SAVEPOINT oracle_statement');
      throw error;
    } finally {
      if (!this.writes) {
        await this.client.query('COMMIT');
        this.inTransaction = false;
      }
    }
  }

  private async finish(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (this.inTransaction) await this.client.query(command);
    this.inTransaction = false;
    this.writes = false;
  }

  /** A bind's value as PostgreSQL takes it, converted as Oracle converts the type the driver bound it as. */
  private bindValue(info: BindInfo | undefined, message: ThinMessage): unknown {
    if (!info) throw new UntranslatableSql('a placeholder the driver bound nothing to', '');
    const value = info.bindVar.values[message.offset ?? 0];
    if (value === null || value === undefined || value === '') return null; // Oracle: '' is NULL
    switch (info.bindVar.type._oraTypeNum) {
      case types.NUMBER:
      case types.BINARY_INTEGER:
        return typeof value === 'boolean' ? (value ? 1 : 0) : String(value);
      case types.VARCHAR:
      case types.CHAR:
      case types.LONG:
        return String(value);
      case types.DATE:
      case types.TIMESTAMP:
        // The driver writes these from the Date's local fields (the process's time zone).
        return localFieldsText(value as Date);
      case types.TIMESTAMP_LTZ:
        // An instant, which Oracle converts to the session's time zone when it is stored in a DATE column.
        return wallClockText(value as Date, this.timeZone);
      case types.TIMESTAMP_TZ:
        return (value as Date).toISOString();
      default:
        throw new UntranslatableSql(`a bind of type ${info.bindVar.type.name}`, '');
    }
  }
}

function columnTypeOf(field: pg.FieldDef): ColumnType {
  switch (field.dataTypeID) {
    case 20:
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
    case 1700:
    case 16:
      return 'NUMBER';
    case 1043:
    case 1042:
    case 705:
    case 19:
      return 'VARCHAR2';
    case 25:
      // A TEXT column is a Delius CLOB; a text expression is a VARCHAR2.
      return field.tableID === 0 ? 'VARCHAR2' : 'CLOB';
    case 1082:
      return 'DATE';
    case 1114:
    case 1184:
      // A column declared with a fractional precision (`TIMESTAMP(3)`) is a Delius TIMESTAMP; the others DATEs.
      return field.dataTypeModifier >= 0 ? 'TIMESTAMP' : 'DATE';
    default:
      throw new UntranslatableSql(`a column of PostgreSQL type ${field.dataTypeID} (${field.name})`, '');
  }
}

function fromPostgres(value: unknown, type: DbType): unknown {
  if (value === null || value === undefined) return null;
  if ((type._oraTypeNum === types.DATE || type._oraTypeNum === types.TIMESTAMP) && typeof value === 'string')
    return new Date(`${value}Z`);
  return value;
}

function offsetMinutes(zone: string): number {
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  return offset ? (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1) : 0;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function localFieldsText(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}+00`;
}

/** The wall clock at `zone` (an offset such as `+01:00` or a region name) of an instant, as UTC-field text. */
function wallClockText(date: Date, zone: string): string {
  const shifted = /^[+-]\d{2}:\d{2}$/.test(zone)
    ? new Date(date.getTime() + offsetMinutes(zone) * 60_000)
    : new Date(wallClockMsIn(zone, date));
  return `${shifted.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}

/** The time zone thin mode's login sets the session to (its AUTH_ALTER_SESSION): ORA_SDTZ, or the process's offset. */
function loginTimeZone(): string {
  const configured = process.env['ORA_SDTZ'];
  if (configured) return configured;
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}
