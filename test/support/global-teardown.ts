// Stops only what the global setup started, so a stack the developer brought up keeps running.
// KEEP_STACK=1 keeps it either way, to make the next run start in a second.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
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
  const started = JSON.parse(await readFile(startedByTestsFile, 'utf8')) as string[];
  await rm(startedByTestsFile, { force: true });
  if (started.length === 0 || process.env['KEEP_STACK'] === '1') return;
  await stackDown((line) => console.log(`[infra] ${line}`), started);
}
