import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { cacheDir, runtimeDir } from '../paths.ts';
import { isAlive, spawnDetached, stopProcessGroup, waitUntil } from '../processes.ts';
import { docker, type DockerHost } from './docker.ts';

/**
 * The Docker engine the containers stack runs on: the one DOCKER_HOST names, or the usual socket, or one this
 * repository starts itself where `dockerd` is installed but no engine runs (as on these CI machines). Its own
 * engine has no bridge network, so every container runs on the host network; its data root is kept in the cache,
 * so that the images it built are there on the next run.
 */
export interface DockerEngine {
  readonly host: DockerHost;
  /** Whether containers can have their own network with mapped ports; without it they run on the host's. */
  readonly bridge: boolean;
  /** Whether this call started it (a daemon of the repository's own), so that its caller should stop it. */
  readonly startedNow?: boolean;
}

const run = promisify(execFile);
const ownDir = path.join(runtimeDir, 'docker');
const ownSocket = `unix://${path.join(ownDir, 'docker.sock')}`;
const ownDataRoot = path.join(cacheDir, 'docker-data');
const ownStateFile = path.join(runtimeDir, 'docker-engine.json');
const ownStateSchema = z.object({ pid: z.number().int(), host: z.string() });

/** Whether an engine answers at this host within a few seconds. */
export function engineAnswers(host: DockerHost): boolean {
  const result = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: { ...process.env, DOCKER_HOST: host },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return result.status === 0 && result.stdout.trim().length > 0;
}

function candidateHosts(env: NodeJS.ProcessEnv): DockerHost[] {
  const named = env['DOCKER_HOST'];
  if (named) return [named];
  return ['unix:///var/run/docker.sock', ownSocket];
}

/** The first engine that answers, or undefined. Synchronous, so that the jest configuration can ask it. */
export function answeringEngineHost(env: NodeJS.ProcessEnv = process.env): DockerHost | undefined {
  return candidateHosts(env).find(engineAnswers);
}

export function canStartOwnEngine(): boolean {
  return process.getuid?.() === 0 && spawnSync('dockerd', ['--version']).status === 0;
}

async function describe(host: DockerHost, startedNow = false): Promise<DockerEngine> {
  const bridges = await docker(host, ['network', 'ls', '--filter', 'driver=bridge', '--format', '{{.Name}}']);
  return { host, bridge: bridges.length > 0, startedNow };
}

async function readOwnState() {
  if (!existsSync(ownStateFile)) return undefined;
  const parsed = ownStateSchema.safeParse(JSON.parse(await readFile(ownStateFile, 'utf8')));
  return parsed.success && isAlive(parsed.data.pid) ? parsed.data : undefined;
}

/**
 * An engine to run containers on: one that answers, or else (with `start`) a daemon of this repository's own,
 * started as containers.md-style machines need it: its own socket, exec root and data root, and no bridge, no
 * iptables and no IP forwarding, since containers there may only use loopback.
 */
export async function ensureEngine({
  start,
  log,
}: {
  start: boolean;
  log: (line: string) => void;
}): Promise<DockerEngine | undefined> {
  const host = answeringEngineHost();
  if (host) return describe(host);
  if (!start) return undefined;
  if (!canStartOwnEngine()) {
    throw new Error(
      'no Docker engine answers, and this user cannot start one (it needs root and dockerd on the PATH): ' +
        'start Docker, set DOCKER_HOST, or run the tests on the process stack with STACK=processes',
    );
  }
  await mkdir(ownDir, { recursive: true });
  await mkdir(ownDataRoot, { recursive: true });
  log(`starting a Docker engine of the repository's own (data root ${ownDataRoot})`);
  const startedAt = performance.now();
  const pid = spawnDetached(
    'dockerd',
    [
      '--host',
      ownSocket,
      '--data-root',
      ownDataRoot,
      '--exec-root',
      path.join(ownDir, 'exec'),
      '--pidfile',
      path.join(ownDir, 'docker.pid'),
      '--bridge=none',
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
    ],
    { cwd: ownDir, logFile: path.join(runtimeDir, 'dockerd.log') },
  );
  await writeFile(ownStateFile, JSON.stringify({ pid, host: ownSocket }));
  await waitUntil(() => isAlive(pid) && engineAnswers(ownSocket), {
    timeoutMs: 60_000,
    what: `the Docker engine (log: ${path.join(runtimeDir, 'dockerd.log')})`,
  });
  log(`Docker engine ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return describe(ownSocket, true);
}

/** Stops the engine this repository started (if it is running); an engine it did not start is left alone. */
export async function stopOwnEngine(log: (line: string) => void): Promise<void> {
  const own = await readOwnState();
  if (own) {
    log(`stopping the Docker engine (pid ${own.pid})`);
    await stopProcessGroup(own.pid, 30_000);
    await unmountLeftovers();
  }
  await rm(ownStateFile, { force: true });
}

/**
 * The daemon leaves its network-namespace mount (`exec/netns/default`) behind when it stops; unmounted here, so
 * that `.infra/` can be removed like any folder.
 */
async function unmountLeftovers(): Promise<void> {
  if (!existsSync('/proc/mounts')) return;
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${ownDir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) {
    await run('umount', [mountPoint]).catch(() => undefined);
  }
}

/**
 * The settings testcontainers needs for an engine: where it is; on an engine without a bridge, the host address to
 * use; and no reaper. The stack records and stops its containers itself, as the process stack does its processes,
 * so that KEEP_STACK=1 can keep them for the next run (a reaper would remove them when the run ends), and the
 * reaper's image could not be pulled where no image registry is reachable anyway.
 */
export function testcontainersEnv(engine: DockerEngine): Record<string, string> {
  return {
    DOCKER_HOST: engine.host,
    TESTCONTAINERS_RYUK_DISABLED: 'true',
    ...(engine.bridge ? {} : { TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1' }),
  };
}
