import path from 'node:path';
import { rootDir, runtimeDir } from './paths.ts';
import { spawnDetached } from './processes.ts';

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
