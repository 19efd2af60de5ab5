import { classifyError } from '../../src/classify-error.ts';
import { sinkOptionsOf } from '../../src/config/options.ts';
import type { AllocationRecord } from '../../src/domain/topic-records.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { sinkStage } from '../../src/sinks/sink-stage.ts';
import { topologyOf } from '../../src/topology.ts';
import { eventually } from '../support/eventually.ts';
import { allocationRecord } from '../support/allocation-requests.ts';
import { testLogger, testScope } from '../support/isolation.ts';
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

/** A person allocation of the example data's T123456, as the processor hands it to the sink. */
const record: AllocationRecord = allocationRecord({
  messageId: 'readiness-1',
  eventType: 'person.community.manager.allocated',
  detailUrl: 'https://workload.example/allocation/person/1',
  crn: 'T123456',
  kind: 'PERSON',
  allocationId: 'r-1',
  createdDate: '2022-08-01T09:00:00+01:00',
  personCrn: 'T123456',
  eventNumber: null,
});

describe('the sink stage’s readiness', () => {
  const scope = testScope('sink-readiness');
  afterAll(() => scope.close());

  it('asks the database on a connection of its own, so a pool taken by the work never holds it up', async () => {
    const pipeline = await testPipeline(scope, {
      stages: [],
      // One connection for the work, which waits on a lock for as long as the test holds it.
      env: {
        DATABASE_POOL_MAX: '1',
        DATABASE_POOL_ACQUIRE_TIMEOUT_MS: '120000',
        DATABASE_STATEMENT_TIMEOUT_MS: '120000',
      },
    });
    const config = pipeline.config;
    const definition = sinkStage(sinkOptionsOf(config), {
      route: topologyOf(config).sink,
      metrics: createMetrics(),
      logger: testLogger,
      classify: classifyError,
    });
    const started = await definition.start();
    const offender = `"${pipeline.delius.schema}"."OFFENDER"`;
    const locker = await scope.postgres();
    const locking = await locker.transaction();
    try {
      // Everything the allocation reads first is locked: the work's one connection waits inside its transaction.
      await locker.query(`LOCK TABLE ${offender} IN ACCESS EXCLUSIVE MODE`, { transaction: locking });
      const handled = started.handle(record, {
        signal: new AbortController().signal,
        attempt: 1,
        logger: testLogger,
        origin: {
          topic: config.ALLOCATIONS_TOPIC,
          partition: 0,
          offset: '0',
          key: record.crn,
          headers: {},
          timestamp: '0',
        },
      });
      await eventually(async () => {
        const [rows] = await locker.query(
          `SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted AND relation = '${offender}'::regclass`,
        );
        return (rows as { waiting: number }[])[0]?.waiting === 1;
      });
      // The pool's one connection is taken and waits: readiness still answers, at once.
      expect(await started.checks?.['database']?.()).toBe(true);
      await locking.commit();
      expect((await handled).status).toBe('applied');
    } finally {
      await locking.rollback().catch(() => undefined);
      await started.close?.();
      await pipeline.close();
    }
  });
});
