import { stackEnv, requireEnv } from '../support/stack.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { tcpProxy } from '../support/tcp-proxy.ts';
import { ceiling } from '../support/patience.ts';

async function get(pipeline: TestPipeline, path: string) {
  const port = pipeline.service?.httpPort;
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

describe('the operations endpoints', () => {
  const scope = testScope('http');
  afterAll(() => scope.close());

  it('report readiness, count every outcome in the metrics, and show no secrets', async () => {
    const pipeline = await testPipeline(scope);
    try {
      expect(await get(pipeline, '/health/liveness')).toEqual({ status: 200, text: '{"status":"UP"}' });
      const ready = await eventually(async () => {
        const response = await get(pipeline, '/health/readiness');
        return response.status === 200 ? response : false;
      });
      expect(JSON.parse(ready.text)).toEqual({
        status: 'UP',
        checks: {
          kafka: 'UP',
          schemaRegistry: 'UP',
          sqs: 'UP',
          database: 'UP',
          workloadApi: 'UP',
          hmppsAuth: 'UP',
          sinkProgress: 'UP',
          processorProgress: 'UP',
          sinkStage: 'UP',
          processorStage: 'UP',
          connectorStage: 'UP',
        },
      });

      const applied = await pipeline.publishExample('person-allocation-message.json');
      const duplicate = await pipeline.publishExample('person-allocation-message.json');
      pipeline.api.register('/allocation/person/garbled', { status: 200, rawBody: 'not json' });
      const garbled = await pipeline.publish({
        eventType: 'person.community.manager.allocated',
        version: 1,
        detailUrl: `${pipeline.api.url}/allocation/person/garbled`,
      });
      await pipeline.outcomeFor('sink', applied);
      await pipeline.outcomeFor('sink', duplicate);
      await pipeline.outcomeFor('processor', garbled);

      const metrics = (await get(pipeline, '/metrics')).text;
      expect(metrics).toContain('allocations_messages_total{stage="sink",kind="PERSON",outcome="applied"} 1');
      expect(metrics).toContain(
        'allocations_messages_total{stage="sink",kind="PERSON",outcome="duplicate"} 1',
      );
      expect(metrics).toContain(
        'allocations_messages_total{stage="processor",kind="PERSON",outcome="applied"} 2',
      );
      expect(metrics).toContain(
        'allocations_messages_total{stage="processor",kind="unknown",outcome="dead-letter"} 1',
      );
      expect(metrics).toContain('allocations_dead_letters_total{stage="processor",code="invalid-detail"} 1');
      expect(metrics).toContain('allocations_detail_requests_total{status="200"} 3');
      expect(metrics).toContain('allocations_token_refreshes_total 1');
      expect(metrics).toMatch(/allocations_processing_seconds_count\{stage="sink"\} 2/);
      expect(metrics).toMatch(/allocations_end_to_end_seconds_count 1/);
      for (const stage of ['connector', 'processor', 'sink'])
        expect(metrics).toContain(`allocations_stage_live{stage="${stage}"} 1`);
      for (const dependency of ['kafka', 'schema-registry', 'workload-api', 'hmpps-auth', 'database'])
        expect(metrics).toContain(`allocations_dependency_down{dependency="${dependency}"} 0`);
      // The connectors' watermark records keep arriving (every 50 ms while there is work): a scrape between one
      // and its settling shows it as lag, so the gauge is read until the sink is seen caught up.
      const caughtUp = new RegExp(
        `allocations_consumer_lag\\{stage="sink",topic="${pipeline.config.ALLOCATIONS_TOPIC}",partition="\\d"\\} 0`,
      );
      await eventually(async () => caughtUp.test((await get(pipeline, '/metrics')).text), {
        timeoutMs: ceiling(30_000),
      });

      const info = JSON.parse((await get(pipeline, '/info')).text) as Record<string, unknown>;
      expect(info).toMatchObject({
        name: 'workforce-allocations-to-delius',
        version: expect.any(String) as unknown,
        build: { packageVersion: expect.any(String) as unknown },
        stages: ['connector', 'processor', 'sink'],
      });
      // The configuration is not shown unless INFO_SHOW_CONFIG asks (test/service/info.unit.test.ts).
      expect(info['config']).toBeUndefined();
      expect(JSON.stringify(info)).not.toContain(pipeline.api.clientSecret);
    } finally {
      await pipeline.close();
    }
  });

  it('say not ready while the database is unreachable, and ready again once it is back', async () => {
    const database = new URL(requireEnv(await stackEnv(), 'POSTGRES_URL'));
    const proxy = await tcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const pipeline = await testPipeline(scope, {
      stages: ['sink'],
      databaseVia: (url) => url.replace(`:${database.port || 5432}/`, `:${proxy.port}/`),
    });
    try {
      await eventually(async () => (await get(pipeline, '/health/readiness')).status === 200);
      await proxy.stop();
      const down = await eventually(async () => {
        const response = await get(pipeline, '/health/readiness');
        return response.status === 503 ? response : false;
      });
      expect(JSON.parse(down.text)).toMatchObject({
        status: 'DOWN',
        checks: { database: 'DOWN', kafka: 'UP' },
      });
      await proxy.start();
      await eventually(async () => (await get(pipeline, '/health/readiness')).status === 200);
    } finally {
      await pipeline.close();
      await proxy.stop();
    }
  });
});
