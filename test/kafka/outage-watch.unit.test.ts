import { AppError, type Dependency } from '../../src/domain/errors.ts';
import { OutageWatch } from '../../src/kafka/outage-watch.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

function watched() {
  let now = 1_000_000;
  const metrics = createMetrics();
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
  const watch = new OutageWatch({ logger, metrics, now: () => now });
  const gauge = async (dependency: Dependency) =>
    (await metrics.dependencyDown.get()).values.find((value) => value.labels.dependency === dependency)
      ?.value;
  return {
    watch,
    metrics,
    lines,
    gauge,
    tick: (ms: number) => (now += ms),
    time: () => now,
  };
}

const failure = (dependency: Dependency, context: Record<string, unknown> = {}) =>
  new AppError('http-error', 'answered 503', { retryable: true, dependency, context });

describe('the outage watch', () => {
  it('says a dependency is down once two different messages failed on it with no answer between', async () => {
    const { watch, gauge, lines } = watched();
    watch.failed(failure('workload-api'), 'message 1');
    watch.failed(failure('workload-api'), 'message 1');
    expect(watch.isDown('workload-api')).toBe(false);
    watch.failed(failure('workload-api'), 'message 2');
    expect(watch.isDown('workload-api')).toBe(true);
    expect(await gauge('workload-api')).toBe(1);
    watch.failed(failure('workload-api'), 'message 3');
    // One line for the outage, not one per failure.
    expect(lines.filter((line) => line.includes('is down'))).toHaveLength(1);
  });

  it('reports each dependency it watches as up from the start, and leaves a dependency already down down', async () => {
    const { watch, gauge } = watched();
    watch.failed(failure('hmpps-auth'), 'a');
    watch.failed(failure('hmpps-auth'), 'b');
    watch.watching(['kafka', 'database', 'hmpps-auth']);
    expect(await gauge('kafka')).toBe(0);
    expect(await gauge('database')).toBe(0);
    expect(await gauge('hmpps-auth')).toBe(1);
    expect(await gauge('workload-api')).toBeUndefined();
  });

  it('does not add up failures an answer came between', () => {
    const { watch } = watched();
    watch.failed(failure('workload-api'), 'message 1');
    watch.answered('workload-api');
    watch.failed(failure('workload-api'), 'message 2');
    expect(watch.isDown('workload-api')).toBe(false);
  });

  it('ends an outage at the next answer, counting its length, and says so once', async () => {
    const { watch, metrics, gauge, lines, tick } = watched();
    watch.failed(failure('hmpps-auth'), 'a');
    watch.failed(failure('hmpps-auth'), 'b');
    tick(150_000);
    watch.answered('hmpps-auth');
    expect(watch.isDown('hmpps-auth')).toBe(false);
    expect(await gauge('hmpps-auth')).toBe(0);
    expect((await metrics.outageSeconds.get()).values[0]).toMatchObject({
      labels: { dependency: 'hmpps-auth' },
      value: 150,
    });
    expect((await metrics.outages.get()).values[0]?.value).toBe(1);
    expect(lines.filter((line) => line.includes('answers again'))).toHaveLength(1);
  });

  it('waits out a Workload API failure unless the API answered since the message first failed', async () => {
    const { watch, tick, time } = watched();
    const firstFailedAt = time();
    tick(1_000);
    expect(await watch.waitsOut(failure('workload-api'), firstFailedAt)).toBe(true);
    expect(watch.isDown('workload-api')).toBe(true);
    watch.answered('workload-api');
    tick(1_000);
    expect(await watch.waitsOut(failure('workload-api'), firstFailedAt)).toBe(false);
    // An answer from before the message's trouble says nothing about it.
    expect(await watch.waitsOut(failure('workload-api'), time())).toBe(true);
  });

  it('asks the Workload API’s probe when nothing was answered since, and blames the message if it answers', async () => {
    const { watch, time } = watched();
    let probes = 0;
    let serving = true;
    watch.setProbe('workload-api', () => {
      probes += 1;
      if (serving) watch.answered('workload-api');
      return Promise.resolve();
    });
    expect(await watch.waitsOut(failure('workload-api'), time())).toBe(false);
    serving = false;
    expect(await watch.waitsOut(failure('workload-api'), time() + 1)).toBe(true);
    // A probe that fails is no answer.
    watch.setProbe('workload-api', () => Promise.reject(new Error('refused')));
    expect(await watch.waitsOut(failure('workload-api'), time() + 1)).toBe(true);
    expect(probes).toBe(2);
  });

  it.each(['hmpps-auth', 'schema-registry', 'kafka', 'database'] as const)(
    'always waits out %s failing: no message makes it fail',
    async (dependency) => {
      const { watch, time } = watched();
      const firstFailedAt = time();
      watch.answered(dependency);
      expect(await watch.waitsOut(failure(dependency), firstFailedAt)).toBe(true);
    },
  );

  it('never waits out a failure that names no dependency', async () => {
    const { watch, time } = watched();
    expect(await watch.waitsOut(new AppError('not-found', 'no such staff'), time())).toBe(false);
  });

  it('holds every retry on a dependency until its Retry-After, and forgets it at the next answer', () => {
    const { watch, tick } = watched();
    watch.failed(failure('workload-api', { retryAfterMs: 120_000 }), 'a');
    expect(watch.delayFor('workload-api', 500)).toBe(120_000);
    tick(20_000);
    expect(watch.delayFor('workload-api', 500)).toBe(100_000);
    expect(watch.delayFor('kafka', 500)).toBe(500);
    watch.answered('workload-api');
    expect(watch.delayFor('workload-api', 500)).toBe(500);
  });

  it('wakes whatever waits on a dependency when it answers', async () => {
    const { watch } = watched();
    const woken = watch.nextAnswer('database');
    watch.answered('database');
    await expect(woken).resolves.toBeUndefined();
  });

  it('answers readiness per dependency, named as the other checks are', async () => {
    const { watch } = watched();
    const checks = watch.checks(['workload-api', 'hmpps-auth']);
    watch.failed(failure('workload-api'), 'a');
    watch.failed(failure('workload-api'), 'b');
    expect(Object.keys(checks)).toEqual(['workloadApi', 'hmppsAuth']);
    expect(await checks['workloadApi']?.()).toBe(false);
    expect(await checks['hmppsAuth']?.()).toBe(true);
  });
});
