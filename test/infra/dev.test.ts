import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testScope, uniqueName } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { spawnScript } from '../support/processes.ts';

/** Runs `npm run dev -- --send-examples` until its summary, stops it with SIGTERM, and returns its output and exit code. */
async function devRun(database: string, env: Record<string, string>) {
  const { child, printed } = spawnScript('infra/dev.ts', ['--send-examples', '--database', database], env);
  const summary = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no summary within ${ceiling(90_000)} ms:\n${printed.both}`)),
      ceiling(90_000),
    );
    child.stdout.on('data', () => {
      const line = /▶ summary: .*/.exec(printed.both)?.[0];
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('exit', (code) =>
      reject(new Error(`dev exited with ${code} before its summary:\n${printed.both}`)),
    );
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { summary, output: printed.both, code };
}

describe('npm run dev', () => {
  const scope = testScope('dev');
  afterAll(() => scope.close());

  it('applies every example, says what it waits for as it stops, exits 0, and a second run finds them all duplicates', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dev-'));
    const database = path.join(dir, 'delius');
    const queue = await scope.allocationsQueue();
    const name = uniqueName('dev');
    const env = {
      HTTP_PORT: '0',
      DOMAIN_EVENTS_TOPIC_ARN: queue.topicArn,
      ALLOCATIONS_QUEUE_URL: queue.queueUrl,
      DOMAIN_EVENTS_TOPIC: `${name}.domain-events`,
      ALLOCATIONS_TOPIC: `${name}.allocations`,
      IAPS_EVENTS_TOPIC: `${name}.iaps-events`,
      DEAD_LETTER_TOPIC: `${name}.dead-letters`,
      CONSUMER_GROUP_PREFIX: name,
    };
    try {
      const first = await devRun(database, env);
      expect(first.summary).toBe(
        '▶ summary: 15 allocations: 12 applied, 3 duplicate, 0 ignored, 0 dead-lettered',
      );
      expect(first.output).toContain('✔ applied     PERSON            T123456  N02ABS1/N02ABS');
      expect(first.output).toContain('created the local Delius');
      expect(first.code).toBe(0);
      // Stopping says what it waits for, step by step, and how long it took.
      expect(first.output).toContain('waiting for the connector (its SQS receive in flight)');
      expect(first.output).toMatch(/▶ stopped in \d+\.\d s/);

      const second = await devRun(database, env);
      expect(second.summary).toBe(
        '▶ summary: 15 allocations: 0 applied, 15 duplicate, 0 ignored, 0 dead-lettered',
      );
      expect(second.output).toContain('using the local Delius');
      expect(second.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
