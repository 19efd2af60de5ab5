import { spawn } from 'node:child_process';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { topologyOf } from '../../src/topology.ts';
import { configSchema } from '../../src/config/config.ts';

/** Runs a script with no setting at all in its environment, as a newcomer's shell would. */
function runBare(script: string, args: readonly string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(rootDir, script), ...args], {
      cwd: rootDir,
      // Only where the checkout keeps its stack, when it is moved (INFRA_RUNTIME_DIR).
      env: {
        PATH: process.env['PATH'] ?? '',
        ...(process.env['INFRA_RUNTIME_DIR'] ? { INFRA_RUNTIME_DIR: process.env['INFRA_RUNTIME_DIR'] } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the allocations tool in a checkout (npm run allocations)', () => {
  it('reaches the local stack through its endpoints file when the environment names none', async () => {
    const { code, stdout, stderr } = await runBare('infra/allocations.ts', [
      'provision',
      '--dry-run',
      '--json',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const plan = JSON.parse(stdout) as { topics: { topic: string }[] };
    const defaults = topologyOf(
      configSchema
        .pick({
          DOMAIN_EVENTS_TOPIC: true,
          ALLOCATIONS_TOPIC: true,
          IAPS_EVENTS_TOPIC: true,
          DEAD_LETTER_TOPIC: true,
          CONSUMER_GROUP_PREFIX: true,
        })
        .parse({}),
    );
    expect(plan.topics.map((row) => row.topic)).toEqual(expect.arrayContaining(defaults.topics));
  });

  it('leaves the bin, as the image runs it, to the environment alone: no file of a checkout is read', async () => {
    const { code, stderr } = await runBare('bin/allocations.js', ['provision', '--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toContain('KAFKA_BROKERS is required');
  });
});
