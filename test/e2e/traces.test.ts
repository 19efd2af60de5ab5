// One allocation's trace across the three stages, each in a process of its own, exported over OTLP/HTTP to a
// local receiver and to an Application Insights ingestion endpoint: the W3C traceparent goes from Workforce's
// SNS message through both topics to the sink.
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { startHttpsIngestion } from '../support/https-ingestion.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

// Workforce's own span, as its publish would carry it (W3C Trace Context: version, trace id, span id, flags).
const workforceTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const workforceSpanId = '00f067aa0ba902b7';

describe('traces', () => {
  const scope = testScope('e2e-traces');
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let applicationInsights: Awaited<ReturnType<typeof startHttpsIngestion>>;
  let pipeline: TestPipeline;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    applicationInsights = await startHttpsIngestion();
    pipeline = await testPipeline(scope, {
      stages: [],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${applicationInsights.url}/`,
        // The ingestion endpoint's certificate, made for this test: trusted as an estate's own CA would be.
        NODE_EXTRA_CA_CERTS: applicationInsights.caFile,
      },
    });
    for (const stage of ['connector', 'processor', 'sink'] as const) pipeline.spawnStage(stage);
  });
  afterAll(async () => {
    await pipeline.close();
    await receiver.close();
    await applicationInsights.close();
    await scope.close();
  });

  it('follow one allocation from Workforce’s span through the connector, the processor and the sink', async () => {
    const messageId = await pipeline.publish(await pipeline.exampleEvent('person-allocation-message.json'), {
      traceparent: `00-${workforceTraceId}-${workforceSpanId}-01`,
    });
    const inTrace = () => receiver.spans.filter((span) => span.traceId === workforceTraceId);
    const named = (name: string) => inTrace().find((span) => span.name === name);
    // Each process exports its spans a second or so after they end.
    const spans = await eventually(
      () => {
        const wanted = [
          'connector',
          'processor',
          'sink',
          'Workload API detail',
          'HMPPS Auth token',
          'Delius transaction',
        ];
        return wanted.every((name) => named(name)) && inTrace();
      },
      { timeoutMs: ceiling(90_000) },
    );
    const span = (name: string): ReceivedSpan => named(name)!;

    expect(span('connector')).toMatchObject({
      parentSpanId: workforceSpanId,
      attributes: { 'allocations.message_id': messageId, 'allocations.crn': expect.any(String) as unknown },
      resource: { 'allocations.stages': 'connector', 'service.name': 'workforce-allocations-to-delius' },
    });
    expect(span('processor')).toMatchObject({
      parentSpanId: span('connector').spanId,
      attributes: { 'messaging.message.id': messageId, 'allocations.outcome': 'applied' },
      resource: { 'allocations.stages': 'processor' },
    });
    expect(span('sink')).toMatchObject({
      parentSpanId: span('processor').spanId,
      attributes: { 'messaging.message.id': messageId, 'allocations.outcome': 'applied' },
      resource: { 'allocations.stages': 'sink' },
    });
    expect(span('HMPPS Auth token')).toMatchObject({
      parentSpanId: span('processor').spanId,
      attributes: { 'http.response.status_code': 200 },
    });
    expect(span('Workload API detail')).toMatchObject({
      parentSpanId: span('processor').spanId,
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
    });
    expect(span('Delius transaction')).toMatchObject({
      parentSpanId: span('sink').spanId,
      attributes: { 'db.system.name': 'postgres', 'allocations.kind': 'PERSON' },
    });
    // Application Insights has each stage's span of the trace, from its own process.
    for (const stage of ['connector', 'processor', 'sink']) {
      const sent = await eventually(
        () =>
          applicationInsights.posted.find(
            (post) => post.body.includes(workforceTraceId) && post.body.includes(span(stage).spanId),
          ) ?? false,
        { timeoutMs: ceiling(60_000) },
      );
      expect(sent.path).toBe('/v2.1/track');
    }
    // Three processes, one trace: the figure the closing note gives.
    expect(new Set(spans.map((each) => each.resource['service.instance.id'])).size).toBe(3);
    expect(spans.length).toBeGreaterThanOrEqual(6);
  });
});
