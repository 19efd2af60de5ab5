import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { AppError } from '../../src/domain/errors.ts';
import { reportError } from '../../src/observability/error-reports.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startTelemetry } from '../../src/observability/telemetry.ts';
import { inSpan, startStageSpan, traceHeaders } from '../../src/observability/tracing.ts';
import { eventually } from '../support/eventually.ts';

const logger = createLogger({ level: 'silent' });

const settings = {
  serviceName: 'workforce-allocations-to-delius',
  serviceVersion: 'test',
  stages: ['processor'],
};
const upstream = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

describe('telemetry', () => {
  afterEach(() => {
    // The OpenTelemetry API's globals outlive a test file in the same worker: leave none behind.
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('is off unless a setting asks for it: no span recorded, no header written, nothing reported', async () => {
    const telemetry = await startTelemetry(settings, logger);
    expect(telemetry.exporters).toEqual([]);
    const span = startStageSpan('processor', upstream, () => ({}));
    expect(span.isRecording()).toBe(false);
    expect(inSpan(span, () => traceHeaders())).toEqual({});
    // Not even a span's attributes are built.
    let built = 0;
    const attributes = () => {
      built += 1;
      return {};
    };
    expect(startStageSpan('sink', upstream, attributes).isRecording()).toBe(false);
    expect(built).toBe(0);
    expect(() =>
      reportError(new AppError('invalid-detail', 'no such allocation'), { stage: 'processor' }),
    ).not.toThrow();
    await telemetry.stop();
  });

  it('continues the trace a record carries and writes it onto what it publishes, once an exporter is set', async () => {
    // An OTLP endpoint nobody listens on: spans are recorded and carried; their export fails in the background.
    const telemetry = await startTelemetry({ ...settings, otlpEndpoint: 'http://127.0.0.1:9' }, logger);
    expect(telemetry.exporters).toEqual(['otlp']);
    const span = startStageSpan('processor', upstream, () => ({}));
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const headers = inSpan(span, () => traceHeaders());
    expect(headers['traceparent']).toBe(
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`,
    );
    span.end();
    await telemetry.stop();
  });

  it('ignores every header but the W3C trace context, and a traceparent that is not one', async () => {
    const telemetry = await startTelemetry({ ...settings, otlpEndpoint: 'http://127.0.0.1:9' }, logger);
    const span = startStageSpan(
      'processor',
      { traceparent: 'not-a-traceparent', 'x-b3-traceid': 'abc' },
      () => ({}),
    );
    expect(span.spanContext().traceId).not.toBe('abc');
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    span.end();
    await telemetry.stop();
  });

  it('sends a dead letter to Sentry where SENTRY_DSN is set, with its code and stage', async () => {
    const envelopes: string[] = [];
    const sentry = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        envelopes.push(`${request.url} ${Buffer.concat(chunks).toString('utf8')}`);
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => sentry.listen(0, '127.0.0.1', resolve));
    const port = (sentry.address() as AddressInfo).port;
    try {
      const telemetry = await startTelemetry(
        { ...settings, sentryDsn: `http://publickey@127.0.0.1:${port}/42` },
        logger,
      );
      expect(telemetry.exporters).toEqual(['sentry']);
      reportError(new AppError('invalid-detail', 'the Workload API has no such allocation'), {
        stage: 'processor',
        messageId: 'm-1',
      });
      const envelope = await eventually(
        () => envelopes.find((body) => body.includes('invalid-detail')) ?? false,
      );
      expect(envelope).toMatch(/^\/api\/42\/envelope\//);
      expect(envelope).toContain('the Workload API has no such allocation');
      expect(envelope).toContain('"stage":"processor"');
      await telemetry.stop();
      // Uninstalled with the stop: nothing more is sent.
      const sent = envelopes.length;
      reportError(new AppError('invalid-detail', 'after the stop'), { stage: 'processor' });
      expect(envelopes.length).toBe(sent);
    } finally {
      await new Promise<void>((resolve) => sentry.close(() => resolve()));
    }
  });
});
