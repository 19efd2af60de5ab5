import { Sequelize, type Options } from 'sequelize';
import { installed } from '../installed.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';

export type Dialect = 'postgres' | 'sqlite' | 'oracle';

/**
 * The dialect is chosen by the URL, so the same code runs on production's Oracle (thin mode, no Instant
 * Client), the PostgreSQL of the tests and the embedded SQLite of local runs:
 * `oracle://user:password@host:1521/SERVICE`, `postgres://user@host:5432/db`, `sqlite:path/to/file.sqlite`
 * or `sqlite::memory:`.
 */
export function dialectOf(url: string): Dialect {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'sqlite':
      return 'sqlite';
    case 'oracle':
      return 'oracle';
    default:
      throw new Error(`DATABASE_URL must start with oracle:, postgres: or sqlite: (got "${scheme}:")`);
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
  /** Oracle only: a connect string instead of the URL's host/port/service; tnsnames.ora; TCPS wallet. */
  readonly oracle?: {
    readonly connectString?: string | undefined;
    readonly configDir?: string | undefined;
    readonly walletLocation?: string | undefined;
    readonly walletPassword?: string | undefined;
  };
}

/** The settings of the configuration that say how to reach the database. */
export function databaseSettingsOf(config: Config): DatabaseSettings {
  return {
    url: config.DATABASE_URL,
    ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    poolMax: config.DATABASE_POOL_MAX,
    poolMin: config.DATABASE_POOL_MIN,
    poolIdleMs: config.DATABASE_POOL_IDLE_MS,
    poolAcquireTimeoutMs: config.DATABASE_POOL_ACQUIRE_TIMEOUT_MS,
    clientIdentifier: config.DELIUS_AUDIT_USER,
    oracle: {
      connectString: config.ORACLE_CONNECT_STRING,
      configDir: config.ORACLE_CONFIG_DIR,
      walletLocation: config.ORACLE_WALLET_LOCATION,
      walletPassword: config.ORACLE_WALLET_PASSWORD,
    },
  };
}

export function createSequelize(settings: DatabaseSettings, logger: Logger): Sequelize {
  const { url, schema, poolMax = 4, clientIdentifier } = settings;
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
        ...(schema ? { dialectOptions: { options: `-c search_path="${schema}"` } } : {}),
      });
    case 'sqlite': {
      if (!installed('sqlite3'))
        throw new Error(
          'DATABASE_URL is a sqlite: URL, but sqlite3 is not installed: SQLite is for local runs (`npm install`); ' +
            'the production image carries the oracle and postgres drivers only',
        );
      const storage = url.slice('sqlite:'.length) || ':memory:';
      // One connection: SQLite serialises writers anyway, and a shared in-memory database needs it.
      return new Sequelize({ ...common, dialect, storage, pool: { max: 1, min: 0 } });
    }
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
      oracledb.fetchTypeHandler = oracleFetchTypeHandler(oracledb);
      sequelize.addHook('afterConnect', (connection) => prepareOracleSession(connection, clientIdentifier));
      return sequelize;
    }
  }
}

/** The part of the oracledb module this file uses. */
export interface OracleDriver {
  readonly DB_TYPE_DATE: unknown;
  readonly DB_TYPE_TIMESTAMP: unknown;
  readonly DB_TYPE_VARCHAR: unknown;
  fetchTypeHandler?: (metaData: {
    dbType?: unknown;
  }) => { type: unknown; converter: (value: unknown) => unknown } | undefined;
}

/** The text format of DATE and TIMESTAMP values that every session is given, read back by `wallClockFromOracleText`. */
const oracleDateFormat = 'YYYY-MM-DD HH24:MI:SS';
const oracleTimestampFormat = 'YYYY-MM-DD HH24:MI:SS.FF3';

/**
 * Every Oracle connection, when it opens:
 * - its session is put at UTC. Sequelize binds a JS Date as TIMESTAMP WITH LOCAL TIME ZONE and writes date
 *   literals at +00:00; Delius DATE columns hold London wall-clock times, which this service carries as Dates
 *   whose UTC fields are that wall clock (src/delius/time.ts): at UTC they are written and compared unchanged.
 * - its dates are formatted as fixed text, which `oracleFetchTypeHandler` reads back (see there).
 * - it is identified to Delius as the service's user (C15), once for its whole life: the pool is the service's
 *   own, every statement on it is the service's (allocation, audit, caseload rebuild, on every path, failed or
 *   not), so there is no one to clear the identifier for before the next use.
 */
export async function prepareOracleSession(
  connection: unknown,
  clientIdentifier: string | undefined,
): Promise<void> {
  const session = connection as { execute(sql: string, binds?: object): Promise<unknown> };
  await session.execute(
    `ALTER SESSION SET TIME_ZONE = '+00:00' NLS_DATE_FORMAT = '${oracleDateFormat}' NLS_TIMESTAMP_FORMAT = '${oracleTimestampFormat}'`,
  );
  if (clientIdentifier)
    await session.execute('BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:user); END;', { user: clientIdentifier });
}

/**
 * Reading: node-oracledb (thin mode) builds a JS Date from a DATE or TIMESTAMP in the *process's* local time
 * zone, so the same stored wall clock would read back differently on machines in different zones (and not at
 * all, in a daylight-saving gap). DATE and TIMESTAMP columns are therefore fetched as the session's fixed text
 * and turned into a wall-clock Date here, with no time zone involved.
 */
export function oracleFetchTypeHandler(
  oracledb: OracleDriver,
): NonNullable<OracleDriver['fetchTypeHandler']> {
  return ({ dbType }) =>
    dbType === oracledb.DB_TYPE_DATE || dbType === oracledb.DB_TYPE_TIMESTAMP
      ? { type: oracledb.DB_TYPE_VARCHAR, converter: wallClockFromOracleText }
      : undefined;
}

/** `2022-07-28 10:30:54` (or with `.023`) → a Date whose UTC fields are those, whatever the process's zone. */
export function wallClockFromOracleText(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new Error(`unexpected Oracle date value of type ${typeof value}`);
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(value);
  if (!match) throw new Error(`unexpected Oracle date text: ${value}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
}
