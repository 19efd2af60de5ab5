// The embedded Delius of local runs: PostgreSQL compiled to WebAssembly (PGlite), served on a loopback port so
// that the service meets it as it meets the test database: a postgres: URL, the pg driver, Sequelize's
// PostgreSQL dialect. Nothing is built on install, and nothing in src/ knows it is not a PostgreSQL server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDelius {
  /** What DATABASE_URL is set to: postgres://postgres@127.0.0.1:PORT/postgres. */
  readonly url: string;
  /** Stops serving and closes the database (a data directory is then consistent on disk). */
  close(): Promise<void>;
}

/**
 * PGlite is one backend. Its socket server queues the messages of all its connections onto it and keeps a
 * connection's transaction whole, but outside a transaction the messages of two connections' statements can
 * interleave (one's Parse between another's Parse and Bind). So the service reaches it on one connection
 * (`DATABASE_POOL_MAX=1`, set by `npm run dev`); the others are for a person looking in (psql, the tests).
 */
export const embeddedConnections = 4;

/**
 * Serves a PGlite database on 127.0.0.1: a data directory (created if new), `memory://`, or an instance already
 * open (the tests' clones of a built one), which `closeDatabase: false` leaves open. `port` 0 takes a free one.
 */
export async function startEmbeddedDelius(
  database: string | PGlite,
  port = 0,
  { closeDatabase = true } = {},
): Promise<EmbeddedDelius> {
  const db = typeof database === 'string' ? await PGlite.create(database) : database;
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: embeddedConnections });
  try {
    await server.start();
  } catch (error) {
    if (closeDatabase) await db.close();
    throw error;
  }
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      if (closeDatabase) await db.close();
    },
  };
}
