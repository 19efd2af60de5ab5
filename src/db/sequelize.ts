import { Sequelize, type Options } from 'sequelize';
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
}

export function createSequelize({ url, schema, poolMax = 4 }: DatabaseSettings, logger: Logger): Sequelize {
  const dialect = dialectOf(url);
  const log = logger.child({ component: 'sequelize' });
  const common: Options = {
    logging: (sql) => log.trace(sql),
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 30_000 },
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
      });
      sequelize.addHook('afterConnect', oracleSessionAtUtc);
      return sequelize;
    }
  }
}

/**
 * Sequelize binds a JS Date as TIMESTAMP WITH LOCAL TIME ZONE and writes date literals at +00:00, but leaves
 * the Oracle session in the client's time zone. Delius DATE columns hold London wall-clock times, which this
 * service carries as Dates whose UTC fields are that wall clock (src/delius/time.ts): with the session at UTC,
 * they are written and compared exactly as they are, whatever the zone of the machine the service runs on.
 */
export async function oracleSessionAtUtc(connection: unknown): Promise<void> {
  await (connection as { execute(sql: string): Promise<unknown> }).execute(
    "ALTER SESSION SET TIME_ZONE = '+00:00'",
  );
}
