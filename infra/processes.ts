import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';

/** Starts a server in its own process group, detached from this process, with its output in a log file. */
export function spawnDetached(
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): number {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops a process group started by `spawnDetached`: SIGTERM, then SIGKILL if it has not gone after the grace period. */
export async function stopProcessGroup(pid: number, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const stopped = await waitUntil(() => !isAlive(pid), {
    timeoutMs: graceMs,
    what: `process ${pid} to stop`,
  }).then(
    () => true,
    () => false,
  );
  if (!stopped) {
    signalGroup(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), { timeoutMs: 5_000, what: `process ${pid} to be killed` });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Polls `probe` until it returns true, failing with a message naming what was awaited.
 * A probe answers false for "not yet" and throws for "never" (for example, the process died).
 */
export async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  { timeoutMs, what, intervalMs = 200 }: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The preferred port when it is free (so that the stack matches docker-compose.yml), otherwise any free port. */
export async function choosePort(preferred: number, taken: Set<number> = new Set()): Promise<number> {
  if (!taken.has(preferred) && (await isPortFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1' }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 0 && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** RSS in MiB of a process and its children (the process group), read from /proc. */
export async function groupRssMiB(pid: number): Promise<number | undefined> {
  const { readdir, readFile } = await import('node:fs/promises');
  let totalKiB = 0;
  let found = false;
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgid !== pid) continue;
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (rss) {
      totalKiB += Number(rss);
      found = true;
    }
  }
  return found ? Math.round(totalKiB / 1024) : undefined;
}

/**
 * Waits for a server this process started until `ready` answers true; fails at once, naming its log, if the
 * server's process exits first.
 */
export function waitForServer(server: {
  name: string;
  pid: number;
  port: number;
  logFile: string;
  ready: (port: number) => Promise<boolean>;
  timeoutMs: number;
}): Promise<void> {
  return waitUntil(
    () => {
      if (!isAlive(server.pid))
        throw new Error(`${server.name} exited during start-up; see ${server.logFile}`);
      return server.ready(server.port);
    },
    { timeoutMs: server.timeoutMs, what: `${server.name} on 127.0.0.1:${server.port}`, intervalMs: 300 },
  );
}
