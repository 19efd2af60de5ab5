import path from 'node:path';
import { rootDir, runtimeDir } from './paths.ts';
import { spawnDetached, waitUntil } from './processes.ts';

export function startSqs(port: number, region: string): number {
  return spawnDetached(
    process.execPath,
    [path.join(rootDir, 'infra', 'fauxqs-server.ts'), String(port), region],
    {
      cwd: rootDir,
      logFile: path.join(runtimeDir, 'sqs.log'),
    },
  );
}

export async function sqsReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export function waitForSqs(port: number, pid: number, isAlive: (pid: number) => boolean): Promise<void> {
  return waitUntil(
    () => {
      if (!isAlive(pid))
        throw new Error(`fauxqs exited during start-up; see ${path.join(runtimeDir, 'sqs.log')}`);
      return sqsReady(port);
    },
    { timeoutMs: 30_000, what: `fauxqs on 127.0.0.1:${port}` },
  );
}
