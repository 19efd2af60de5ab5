import { topologyOf } from '../../src/topology.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline } from '../support/pipeline.ts';
import { startStageProcess } from '../support/processes.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';
import { waitForGroupMembers } from '../support/synthetic-allocations.ts';
import { tcpProxy } from '../support/tcp-proxy.ts';

describe('the sink stage starting while the database is unreachable', () => {
  const scope = testScope('sink-start');
  afterAll(() => scope.close());

  /** A sink process whose database is behind a proxy that is down, and what it prints. */
  async function sinkWithoutDatabase() {
    const database = new URL(requireEnv(await stackEnv(), 'POSTGRES_URL'));
    const proxy = await tcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    await proxy.stop();
    const pipeline = await testPipeline(scope, {
      stages: [],
      databaseVia: (url) => url.replace(`:${database.port || 5432}/`, `:${proxy.port}/`),
      env: { LOG_LEVEL: 'info', RETRY_MAX_DELAY_MS: '300' },
    });
    const { child, exited, lines, output } = startStageProcess('sink', pipeline.env);
    const waits = () => lines('waiting for the database');
    return { proxy, pipeline, child, exited, waits, output };
  }

  it('waits for it, saying so each time, then starts once it answers; and stops cleanly', async () => {
    const { proxy, pipeline, child, exited, waits, output } = await sinkWithoutDatabase();
    try {
      await eventually(() => waits() >= 2);
      expect(child.exitCode).toBeNull();
      await proxy.start();
      await waitForGroupMembers(await scope.admin(), topologyOf(pipeline.config).sink.groupId, 1);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('"msg":"started"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await proxy.stop();
      await pipeline.close();
    }
  });

  it('stops cleanly on SIGTERM while still waiting', async () => {
    const { proxy, pipeline, child, exited, waits, output } = await sinkWithoutDatabase();
    try {
      await eventually(() => waits() >= 1);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('stopped before it had started');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await proxy.stop();
      await pipeline.close();
    }
  });
});
