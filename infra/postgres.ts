import { execFile } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { canConnect, waitUntil } from './processes.ts';

const run = promisify(execFile);

/** The machine's own PostgreSQL (trust auth on loopback); the stack never runs a second one. */
export const postgresPort = Number(process.env['POSTGRES_PORT'] ?? '5432');
export const postgresAdminUrl =
  process.env['POSTGRES_ADMIN_URL'] ?? `postgres://postgres@127.0.0.1:${postgresPort}/postgres`;
export const testDatabase = 'allocations_test';

function clusterVersion(): string | undefined {
  const dir = '/etc/postgresql';
  return existsSync(dir) ? readdirSync(dir).sort().at(-1) : undefined;
}

/** Starts the machine's cluster if it is down. Returns true when this call started it. */
export async function ensurePostgres(): Promise<boolean> {
  if (await canConnect(postgresPort)) return false;
  const version = clusterVersion();
  if (!version)
    throw new Error(
      `PostgreSQL is not answering on 127.0.0.1:${postgresPort} and no local cluster was found to start`,
    );
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  await waitUntil(() => canConnect(postgresPort), {
    timeoutMs: 30_000,
    what: `PostgreSQL on 127.0.0.1:${postgresPort}`,
  });
  return true;
}

export async function stopPostgres(): Promise<void> {
  const version = clusterVersion();
  if (version) await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop']);
}

/** Creates the database the tests use (each test then works in its own schema). */
export async function ensureDatabase(name: string, adminUrl = postgresAdminUrl): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
