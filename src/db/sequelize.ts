import { Sequelize, type Options } from 'sequelize';
import { firstLineOf } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';

export type Dialect = 'postgres' | 'oracle';

/**
 * The dialect is chosen by the URL, so the same code runs on production's Oracle (thin mode, no Instant
 * Client) and on PostgreSQL: the tests' server, and the embedded PGlite of local runs, which `npm run dev`
 * serves on a loopback port (infra/embedded-delius.ts): `oracle://user:password@host:1521/SERVICE`,
 * `postgres://user@host:5432/db`.
 */
export function dialectOf(url: string): Dialect {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'oracle':
      return 'oracle';
    default:
      throw new Error(`DATABASE_URL must start with oracle: or postgres: (got "${scheme}:")`);
  }
}

export interface DatabaseSettings {
  readonly url: string;
  /** PostgreSQL only: the schema to work in (tests give each test its own). */
  readonly schema?: string;
  readonly poolMax?: number;
  readonly poolMin?: number;
  readonly poolIdleMs?: number;
  readonly poolAcquireTimeoutMs?: number;
  /** Oracle only: the Delius user every connection is identified as to Delius's triggers (C15). */
  readonly clientIdentifier?: string;
  /**
   * The longest a statement may run or wait for a lock (PostgreSQL `statement_timeout` and `lock_timeout`,
   * Oracle's `callTimeout` on each connection): a row a Delius user holds locked fails the attempt, which is
   * retried, instead of holding the partition past the consumer's session. Default `statementTimeoutMs`.
   */
  readonly statementTimeoutMs?: number;
  /** Oracle only: thin (the default) or thick mode, and for thick the Instant Client folder where it is not found. */
  readonly oracleClient?: { readonly mode: 'thin' | 'thick'; readonly libDir?: string | undefined };
  /** Oracle only: a connect string instead of the URL's host/port/service; tnsnames.ora; TCPS wallet. */
  readonly oracle?: {
    readonly connectString?: string | undefined;
    readonly configDir?: string | undefined;
    readonly walletLocation?: string | undefined;
    readonly walletPassword?: string | undefined;
  };
}

/** Well inside the consumer's session timeout (30 s by default), so that a stuck statement never evicts it. */
export const statementTimeoutMs = 15_000;

export function createSequelize(settings: DatabaseSettings, logger: Logger): Sequelize {
  const { url, schema, poolMax = 4, clientIdentifier } = settings;
  const timeoutMs = settings.statementTimeoutMs ?? statementTimeoutMs;
  const dialect = dialectOf(url);
  const log = logger.child({ component: 'sequelize' });
  const common: Options = {
    logging: (sql) => log.trace(sql),
    pool: {
      max: poolMax,
      min: settings.poolMin ?? 0,
      idle: settings.poolIdleMs ?? 10_000,
      acquire: settings.poolAcquireTimeoutMs ?? 30_000,
    },
    define: { timestamps: false, freezeTableName: true },
  };
  switch (dialect) {
    case 'postgres':
      return new Sequelize(url, {
        ...common,
        dialect,
        dialectOptions: {
          ...(schema ? { options: `-c search_path="${schema}"` } : {}),
          statement_timeout: timeoutMs,
          lock_timeout: timeoutMs,
        },
      });
    case 'oracle': {
      const parsed = new URL(url);
      const sequelize = new Sequelize({
        ...common,
        dialect,
        host: parsed.hostname,
        port: Number(parsed.port || 1521),
        database: decodeURIComponent(parsed.pathname.slice(1)),
        username: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        // Handed to node-oracledb with each connection: a connect string replaces host/port/service.
        dialectOptions: Object.fromEntries(
          Object.entries(settings.oracle ?? {}).filter(([, value]) => value !== undefined),
        ),
      });
      const oracledb = (sequelize.connectionManager as unknown as { lib: OracleDriver }).lib;
      if (settings.oracleClient?.mode === 'thick') useThickMode(oracledb, settings);
      keepReturnedValues(sequelize);
      bindDatesAsWallClockText(sequelize);
      oracledb.fetchTypeHandler = oracleFetchTypeHandler(oracledb);
      sequelize.addHook('afterConnect', (connection) =>
        prepareOracleSession(connection, clientIdentifier, timeoutMs),
      );
      return sequelize;
    }
  }
}

type BindFormat = (
  value: unknown,
  field: unknown,
  options: unknown,
  bindParam: (value: unknown) => string,
) => string;
type Escape = (value: unknown, field?: unknown, options?: unknown) => string;
interface BindType {
  readonly key?: string;
  readonly _length?: unknown;
  _getBindDef(oracledb: OracleDriver): object;
}
type PopulateReturnBinds = (
  attributes: unknown,
  returnTypes: readonly BindType[],
  ...rest: unknown[]
) => void;

/**
 * A wall-clock Date (src/delius/time.ts) as Oracle takes it, from its UTC fields and an explicit mask, so that no
 * time zone or NLS setting is involved: a DATE (whole seconds), or for an attribute declared with a fractional
 * precision (`DataTypes.DATE(3)`: AUDITED_INTERACTION's DATE_TIME) a TIMESTAMP with its milliseconds.
 */
function oracleDateOf(
  value: Date,
  field: unknown,
): { text: string; convert: 'TO_DATE' | 'TO_TIMESTAMP'; mask: string } {
  const precise = Boolean((field as { type?: { _length?: unknown } } | undefined)?.type?._length);
  const iso = value.toISOString().replace('T', ' ');
  return precise
    ? { text: iso.slice(0, 23), convert: 'TO_TIMESTAMP', mask: 'YYYY-MM-DD HH24:MI:SS.FF3' }
    : { text: iso.slice(0, 19), convert: 'TO_DATE', mask: 'YYYY-MM-DD HH24:MI:SS' };
}

/**
 * Every Date goes to Oracle as a DATE made from its wall-clock text with an explicit mask, never as a timestamp
 * with a time zone:
 * - Written (each bind of an INSERT or UPDATE, rendered by the query generator's `format`): node-oracledb
 *   binds a JS Date as TIMESTAMP WITH LOCAL TIME ZONE, which Oracle turns into a DATE at the session's zone
 *   (and which thin mode refuses outright where DBTIMEZONE is a region name, NJS-201), so the same wall clock
 *   would be written an hour out wherever that zone is not UTC. `TO_DATE(:n, 'YYYY-MM-DD HH24:MI:SS')` takes it
 *   as it is.
 * - Compared (a value in a WHERE, rendered by `escape`): Sequelize writes `TO_TIMESTAMP_TZ('… +00:00', …)`, and
 *   Oracle compares a DATE column with that by converting the column, row by row, at the session's zone: the
 *   result would depend on the session, and no index on the column could be range-scanned.
 * So the session is left at whatever zone and formats Delius gives it (its own PL/SQL runs in it).
 */
function bindDatesAsWallClockText(sequelize: Sequelize): void {
  const generator = sequelize.getQueryInterface().queryGenerator as { format: BindFormat; escape: Escape };
  const format = generator.format.bind(generator);
  generator.format = (value, field, options, bindParam) => {
    const type = (field as { type?: { key?: string } } | undefined)?.type;
    if (type?.key !== 'DATE' || !(value instanceof Date)) return format(value, field, options, bindParam);
    const { text, convert, mask } = oracleDateOf(value, field);
    return `${convert}(${bindParam(text)}, '${mask}')`;
  };
  // Read back (a DATE column in `INSERT … RETURNING … INTO`): as a DATE, not as TIMESTAMP WITH LOCAL TIME ZONE.
  const returning = generator as unknown as { populateInsertQueryReturnIntoBinds: PopulateReturnBinds };
  const populate = returning.populateInsertQueryReturnIntoBinds.bind(generator);
  returning.populateInsertQueryReturnIntoBinds = (attributes, returnTypes, ...rest) =>
    populate(
      attributes,
      returnTypes.map((type) =>
        type.key === 'DATE'
          ? {
              _getBindDef: (oracledb: OracleDriver) => ({
                type: type._length ? oracledb.DB_TYPE_TIMESTAMP : oracledb.DB_TYPE_DATE,
              }),
            }
          : type,
      ),
      ...rest,
    );
  const escape = generator.escape.bind(generator);
  generator.escape = (value, field, options) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) return escape(value, field, options);
    const { text, convert, mask } = oracleDateOf(value, field);
    return `${convert}('${text}','${mask}')`;
  };
}

interface OracleQueryClass {
  new (...args: unknown[]): {
    readonly instance?: { setDataValue(name: string, value: unknown): void };
    readonly model?: {
      readonly rawAttributes: Record<string, { readonly field?: string; readonly primaryKey?: boolean }>;
    };
    handleInsertQuery(results: unknown, metaData?: unknown): void;
  };
}

/**
 * Sequelize's Oracle dialect reads the out-binds of `INSERT … RETURNING … INTO` by column name and gives them to
 * the model's auto-increment attribute only; Delius's ids come from sequences inside the INSERT (`idForInsert`),
 * so the instance kept the `SEQ.NEXTVAL` literal and its id read back as NaN. Here the returned key columns are
 * written to the attributes they belong to. Only the keys: the rest of the row is what was written, and the
 * driver returns a CLOB as a LOB object and a DATE (bound out as TIMESTAMP WITH LOCAL TIME ZONE) as an instant.
 */
function keepReturnedValues(sequelize: Sequelize): void {
  const dialect = (sequelize as unknown as { dialect: { Query: OracleQueryClass } }).dialect;
  const Base = dialect.Query;
  dialect.Query = class extends Base {
    override handleInsertQuery(results: unknown, metaData?: unknown): void {
      super.handleInsertQuery(results, metaData);
      const returned = Array.isArray(results)
        ? (results[0] as Record<string, unknown> | undefined)
        : undefined;
      if (!this.instance || !this.model || !returned) return;
      for (const [name, attribute] of Object.entries(this.model.rawAttributes)) {
        const field = attribute.field ?? name;
        if (attribute.primaryKey && field in returned) this.instance.setDataValue(name, returned[field]);
      }
    }
  };
}

/**
 * Thick mode: node-oracledb through Oracle Instant Client, for what thin mode lacks (Native Network Encryption
 * above all). Once per process, before any connection; `ORACLE_CONFIG_DIR` is where Instant Client reads
 * sqlnet.ora (the encryption settings) and tnsnames.ora. Without Instant Client start-up stops here, saying so.
 */
function useThickMode(oracledb: OracleDriver, settings: DatabaseSettings): void {
  if (oracledb.thin === false) return;
  const libDir = settings.oracleClient?.libDir;
  const configDir = settings.oracle?.configDir;
  try {
    oracledb.initOracleClient({ ...(libDir ? { libDir } : {}), ...(configDir ? { configDir } : {}) });
  } catch (error) {
    throw new Error(
      `ORACLE_CLIENT_MODE=thick needs Oracle Instant Client${libDir ? ` in ${libDir}` : ' on the library path'} ` +
        `(the image variant in the README, "Running against Oracle"): ${firstLineOf(error)}`,
      { cause: error },
    );
  }
}

/** The part of the oracledb module this file uses. */
export interface OracleDriver {
  readonly thin?: boolean;
  initOracleClient(options?: { libDir?: string; configDir?: string }): void;
  readonly DB_TYPE_DATE: unknown;
  readonly DB_TYPE_TIMESTAMP: unknown;
  fetchTypeHandler?: (metaData: {
    dbType?: unknown;
  }) => { type: unknown; converter: (value: unknown) => unknown } | undefined;
}

/**
 * Every Oracle connection, when it opens, is identified to Delius as the service's user (C15), once for its whole
 * life: the pool is the service's own, every statement on it is the service's (allocation, audit, caseload
 * rebuild, on every path, failed or not), so there is no one to clear the identifier for before the next use.
 * Nothing else about the session is changed: Delius's triggers and packages run in it, and they read
 * `CURRENT_DATE`, `LOCALTIMESTAMP` and the default date format as Delius set them (dates go to and from Oracle
 * with explicit types and masks instead: `bindDatesAsWallClockText`, `oracleFetchTypeHandler`).
 */
export async function prepareOracleSession(
  connection: unknown,
  clientIdentifier: string | undefined,
  callTimeoutMs: number = statementTimeoutMs,
): Promise<void> {
  const session = connection as {
    execute(sql: string, binds?: object): Promise<unknown>;
    callTimeout?: number;
  };
  // Every round trip of this connection, a lock wait included, ends within this (DPI-1067 / NJS-123).
  session.callTimeout = callTimeoutMs;
  if (clientIdentifier)
    await session.execute('BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:user); END;', { user: clientIdentifier });
}

/**
 * Reading: node-oracledb's thin mode decodes a DATE into a JS Date from the *process's* local fields (and turns
 * it into text on the client, with Date's toString(), if asked for a string: the session's NLS formats play no
 * part). The local fields are Delius's wall clock, so each DATE is read as a DATE and its local fields become
 * the wall-clock Date's UTC fields, whatever the process's zone. (A wall clock inside the process zone's own
 * spring-forward gap cannot be represented by the driver; the production image runs at UTC, which has none.)
 */
export function oracleFetchTypeHandler(
  oracledb: OracleDriver,
): NonNullable<OracleDriver['fetchTypeHandler']> {
  return ({ dbType }) =>
    dbType === oracledb.DB_TYPE_DATE || dbType === oracledb.DB_TYPE_TIMESTAMP
      ? { type: dbType, converter: wallClockFromLocalFields }
      : undefined;
}

/** A Date as the driver builds it from DATE fields in the process's zone → a Date whose UTC fields are those. */
export function wallClockFromLocalFields(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date)) throw new Error(`unexpected Oracle date value of type ${typeof value}`);
  return new Date(
    Date.UTC(
      value.getFullYear(),
      value.getMonth(),
      value.getDate(),
      value.getHours(),
      value.getMinutes(),
      value.getSeconds(),
      value.getMilliseconds(),
    ),
  );
}
