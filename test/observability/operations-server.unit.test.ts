import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import {
  operationsPaths,
  sharedCheck,
  startOperationsServer,
} from '../../src/observability/operations-server.ts';
import { eventually } from '../support/eventually.ts';

/** The endpoints with no check, no stage and nothing to say of the process. */
const plainServer = () =>
  startOperationsServer({
    port: 0,
    host: '127.0.0.1',
    metrics: createMetrics(),
    checks: {},
    liveness: {},
    info: () => ({}),
    logger: createLogger({ level: 'silent' }),
  });

describe('the operations endpoints', () => {
  it('answer every path they list (the one list the deployment test checks probes against), and 404 others', async () => {
    const server = await plainServer();
    try {
      const status = async (path: string) => (await fetch(`http://127.0.0.1:${server.port}${path}`)).status;
      for (const path of operationsPaths) expect([path, await status(path)]).toEqual([path, 200]);
      expect(await status('/health/live')).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('say DOWN on liveness, naming the stage, once a stage can no longer work, so that the process is restarted', async () => {
    let sinkAlive = true;
    const server = await startOperationsServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics(),
      checks: {},
      liveness: { sinkStage: () => sinkAlive, processorStage: () => true },
      info: () => ({}),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const liveness = async () => {
        const response = await fetch(`http://127.0.0.1:${server.port}/health/liveness`);
        return { status: response.status, body: await response.json() };
      };
      expect(await liveness()).toEqual({ status: 200, body: { status: 'UP' } });
      sinkAlive = false;
      expect(await liveness()).toEqual({
        status: 503,
        body: { status: 'DOWN', checks: { sinkStage: 'DOWN' } },
      });
    } finally {
      await server.close();
    }
  });

  it('show each component’s state on /health: every dependency and every stage, DOWN naming which', async () => {
    let databaseUp = true;
    const server = await startOperationsServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics(),
      checks: { kafka: () => Promise.resolve(true), database: () => Promise.resolve(databaseUp) },
      liveness: { sinkStage: () => true },
      info: () => ({}),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const health = async () => {
        const response = await fetch(`http://127.0.0.1:${server.port}/health`);
        return { status: response.status, body: await response.json() };
      };
      expect(await health()).toEqual({
        status: 200,
        body: {
          status: 'UP',
          components: {
            kafka: { status: 'UP' },
            database: { status: 'UP' },
            sinkStage: { status: 'UP' },
          },
        },
      });
      databaseUp = false;
      // A readiness check answers for a second: the next look after that sees the database down.
      const down = await eventually(async () => {
        const answer = await health();
        return answer.status === 503 && answer;
      });
      expect(down.body).toEqual({
        status: 'DOWN',
        components: { kafka: { status: 'UP' }, database: { status: 'DOWN' }, sinkStage: { status: 'UP' } },
      });
    } finally {
      await server.close();
    }
  });

  it('serve the process and Node.js metrics beside the service’s own', async () => {
    const server = await plainServer();
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      for (const name of [
        'process_resident_memory_bytes',
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
        'allocations_messages_total',
      ]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
      }
      expect(Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1])).toBeGreaterThan(10_000_000);
    } finally {
      await server.close();
    }
  });

  it('answer a flood of readiness probes with one check at a time, each answer serving a second', async () => {
    let calls = 0;
    const server = await startOperationsServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics(),
      checks: {
        database: async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return true;
        },
      },
      liveness: {},
      info: () => ({}),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const startedAt = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: 400 }, () =>
          fetch(`http://127.0.0.1:${server.port}/health/readiness`).then((response) => response.status),
        ),
      );
      const elapsedMs = performance.now() - startedAt;
      expect(new Set(statuses)).toEqual(new Set([200]));
      // A check starts only when none is running and the last answer is a second old.
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / 1_000));
    } finally {
      await server.close();
    }
  });

  it('ask a check again once its answer is a second old', async () => {
    let now = 0;
    let calls = 0;
    const check = sharedCheck(
      () => {
        calls += 1;
        return Promise.resolve(calls === 1);
      },
      () => now,
    );
    expect(await check()).toBe(true);
    now = 999;
    expect(await check()).toBe(true);
    now = 1_000;
    expect(await check()).toBe(false);
    expect(calls).toBe(2);
  });
});
