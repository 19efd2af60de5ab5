// An outage of a dependency is waited out, however long it lasts: nothing made during it is dead-lettered,
// and every allocation is applied once the dependency answers again. A failure that is one message's own (a
// detail the API fails while it serves others) is still dead-lettered: test/e2e/poison.test.ts.
import type { Dependency } from '../../src/domain/errors.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { seedPeople, syntheticAllocation, writtenManagers } from '../support/synthetic-allocations.ts';

describe('an outage of a dependency', () => {
  const scope = testScope('e2e-outages');
  afterAll(() => scope.close());

  const crns = ['U000001', 'U000002', 'U000003', 'U000004'];
  /** Whether the service is waiting out an outage of the dependency (its gauge). */
  async function down(pipeline: TestPipeline, dependency: Dependency): Promise<boolean> {
    const gauge = await pipeline.service?.metrics.dependencyDown.get();
    return (
      gauge?.values.some((value) => value.labels.dependency === dependency && value.value === 1) ?? false
    );
  }
  async function readiness(pipeline: TestPipeline): Promise<Record<string, string>> {
    const response = await fetch(`http://127.0.0.1:${pipeline.service?.httpPort}/health/readiness`);
    return ((await response.json()) as { checks: Record<string, string> }).checks;
  }
  /** Publishes one person allocation for each CRN; resolves to their message ids and detail paths. */
  async function allocate(pipeline: TestPipeline) {
    const sent: { messageId: string; path: string }[] = [];
    for (const crn of crns) {
      const event = syntheticAllocation(pipeline, crn, 'PERSON', 0);
      sent.push({
        messageId: await pipeline.publish(event),
        path: new URL(String(event['detailUrl'])).pathname,
      });
    }
    return sent;
  }
  /** Every allocation applied by the sink, none dead-lettered at any stage, the dead-letter topic empty. */
  async function expectAllApplied(pipeline: TestPipeline, sent: readonly { messageId: string }[]) {
    // The sink's outcome is reported after its transaction commits (and its IAPS events are published): wait
    // for each outcome, not for the rows, which a loaded machine shows a moment earlier.
    for (const { messageId } of sent) {
      expect((await pipeline.outcomeFor('sink', messageId, ceiling(60_000))).status).toBe('applied');
      expect(pipeline.outcomeOf('processor', messageId)?.status).toBe('applied');
    }
    expect(await writtenManagers(pipeline.delius.db)).toBe(crns.length);
    expect(await pipeline.readAll(pipeline.config.DEAD_LETTER_TOPIC)).toEqual([]);
  }

  it('of the Workload API answering 503 to everyone is waited out past every retry, then every allocation is applied', async () => {
    const pipeline = await testPipeline(scope);
    try {
      await seedPeople(pipeline, crns);
      pipeline.api.outage('details', { status: 503, body: { status: 503 } });
      const sent = await allocate(pipeline);
      // Past the four attempts a bad message gets (those behind it on its partition wait their turn): the stage
      // waits, and says so.
      await eventually(
        async () =>
          sent.some(({ path }) => pipeline.api.requestCount(path) > 4) &&
          (await down(pipeline, 'workload-api')),
        { timeoutMs: ceiling(60_000) },
      );
      expect(await readiness(pipeline)).toMatchObject({ workloadApi: 'DOWN' });
      expect(pipeline.observed.filter((entry) => entry.outcome.status === 'dead-letter')).toEqual([]);
      pipeline.api.outage('details', undefined);
      await expectAllApplied(pipeline, sent);
      expect(await down(pipeline, 'workload-api')).toBe(false);
      await eventually(async () => (await readiness(pipeline))['workloadApi'] === 'UP');
    } finally {
      await pipeline.close();
    }
  });

  it('of the Workload API answering 429 with Retry-After is waited out, its requests spaced by it', async () => {
    const pipeline = await testPipeline(scope);
    try {
      await seedPeople(pipeline, crns.slice(0, 1));
      pipeline.api.outage('details', { status: 429, headers: { 'retry-after': '2' } });
      const event = syntheticAllocation(pipeline, crns[0] as string, 'PERSON', 0);
      const path = new URL(String(event['detailUrl'])).pathname;
      const messageId = await pipeline.publish(event);
      await eventually(() => pipeline.api.requestCount(path) >= 3, { timeoutMs: ceiling(30_000) });
      // Each try at least the 2 s Retry-After after the one before, as the API received them (the retry
      // policy alone waits at most 400 ms here).
      const [first = 0, second = 0, third = 0] = pipeline.api.requestTimes(path);
      expect(second - first).toBeGreaterThanOrEqual(2_000);
      expect(third - second).toBeGreaterThanOrEqual(2_000);
      pipeline.api.outage('details', undefined);
      expect((await pipeline.outcomeFor('sink', messageId, ceiling(60_000))).status).toBe('applied');
    } finally {
      await pipeline.close();
    }
  });

  it('of HMPPS Auth refusing the client is waited out past every retry, then every allocation is applied', async () => {
    const pipeline = await testPipeline(scope);
    try {
      await seedPeople(pipeline, crns);
      // The cached token expires and HMPPS Auth refuses the client, as when its secret is rotated.
      pipeline.api.expireTokens();
      pipeline.api.outage('tokens', { status: 401, body: { error: 'invalid_client' } });
      const sent = await allocate(pipeline);
      await eventually(() => down(pipeline, 'hmpps-auth'), { timeoutMs: ceiling(60_000) });
      expect(await readiness(pipeline)).toMatchObject({ hmppsAuth: 'DOWN' });
      const tokenRequestsWhileDown = pipeline.api.tokensIssued();
      expect(pipeline.observed.filter((entry) => entry.outcome.status === 'dead-letter')).toEqual([]);
      pipeline.api.outage('tokens', undefined);
      await expectAllApplied(pipeline, sent);
      expect(pipeline.api.tokensIssued()).toBeGreaterThan(tokenRequestsWhileDown);
      expect(await down(pipeline, 'hmpps-auth')).toBe(false);
    } finally {
      await pipeline.close();
    }
  });
});
