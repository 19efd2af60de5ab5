// Stops only what the global setup started, so a stack the developer brought up keeps running.
// KEEP_STACK=1 keeps it either way, to make the next run start in a second.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { containersDown } from '../../infra/containers/stack.ts';
import { stackDown } from '../../infra/stack.ts';
import { startedByTestsFile } from './global-setup.ts';
import { armOpenHandleGuard } from './open-handle-guard.ts';

export default async function globalTeardown(): Promise<void> {
  try {
    await stopWhatSetupStarted();
  } finally {
    armOpenHandleGuard();
  }
}

async function stopWhatSetupStarted(): Promise<void> {
  if (!existsSync(startedByTestsFile)) return;
  const { kind, started } = JSON.parse(await readFile(startedByTestsFile, 'utf8')) as {
    kind: 'containers' | 'processes';
    started: string[];
  };
  await rm(startedByTestsFile, { force: true });
  if (started.length === 0 || process.env['KEEP_STACK'] === '1') return;
  const log = (line: string) => console.log(`[infra] ${line}`);
  await (kind === 'containers' ? containersDown(log, started) : stackDown(log, started));
}
