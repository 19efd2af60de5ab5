// Plays the part testcontainers would: brings the real local stack up once for the whole run (or reuses the
// one a developer already started with `npm run infra:up`), and remembers what it started for the teardown.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runtimeDir } from '../../infra/paths.ts';
import { stackUp } from '../../infra/stack.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../../src/observability/known-warnings.ts';

export const startedByTestsFile = path.join(runtimeDir, 'started-by-tests.json');

export default async function globalSetup(): Promise<void> {
  silenceKafkajsNegativeTimeoutWarning();
  const startedAt = performance.now();
  const { started, env } = await stackUp((line) => console.log(`[infra] ${line}`));
  await writeFile(startedByTestsFile, JSON.stringify(started));
  Object.assign(process.env, env);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `\n[infra] ${started.length ? `started ${started.join(', ')}` : 'reused the running stack'} in ${seconds} s`,
  );
}
