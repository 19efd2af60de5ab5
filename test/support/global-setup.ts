// Brings the real local stack up once for the whole run, or reuses the one a developer already started: as
// containers through testcontainers when the run's stack is `containers`, as local processes (infra/) otherwise
// (jest.config.js chooses, see README "Tests"). Remembers what it started for the teardown.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chooseStack } from '../../infra/containers/choose-stack.ts';
import { containersUp } from '../../infra/containers/stack.ts';
import { runtimeDir } from '../../infra/paths.ts';
import { stackUp } from '../../infra/stack.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../../src/observability/known-warnings.ts';

export const startedByTestsFile = path.join(runtimeDir, 'started-by-tests.json');

export default async function globalSetup(): Promise<void> {
  silenceKafkajsNegativeTimeoutWarning();
  const startedAt = performance.now();
  const kind = chooseStack();
  const log = (line: string) => console.log(`[infra] ${line}`);
  log(
    `stack: ${kind}${process.env['STACK'] ? '' : ' (chosen: set STACK=containers or STACK=processes to say)'}`,
  );
  const { started, env } = kind === 'containers' ? await containersUp(log) : await stackUp(log);
  await writeFile(startedByTestsFile, JSON.stringify({ kind, started }));
  Object.assign(process.env, env);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  log(`${started.length ? `started ${started.join(', ')}` : 'reused the running stack'} in ${seconds} s`);
}
