import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { startOperationsServer } from '../../src/observability/operations-server.ts';

describe('the operations endpoints', () => {
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

  it('serve the process and Node.js metrics beside the service’s own', async () => {
    const server = await startOperationsServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics(),
      checks: {},
      liveness: {},
      info: () => ({}),
      logger: createLogger({ level: 'silent' }),
    });
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
});
