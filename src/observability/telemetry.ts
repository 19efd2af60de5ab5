import { hostname } from 'node:os';
import type { Logger } from './logger.ts';
import { installErrorReporter } from './error-reports.ts';
import { setTracing } from './tracing.ts';

/** Where traces and errors go: each is off unless its setting is given (src/config/config.ts). */
export interface TelemetrySettings {
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly stages: readonly string[];
  /** OTLP/HTTP collector (`http://collector:4318`): spans to `<endpoint>/v1/traces`. */
  readonly otlpEndpoint?: string | undefined;
  /** Application Insights, as HMPPS services report to it. */
  readonly applicationInsightsConnectionString?: string | undefined;
  readonly sentryDsn?: string | undefined;
  readonly sentryEnvironment?: string | undefined;
}

/** The longest a stop waits for each exporter to send what it holds. */
const stopBoundMs = 3_000;

function withinMs(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

export interface Telemetry {
  /** Which exporters run: empty when all are off. */
  readonly exporters: readonly string[];
  /** Sends what is buffered, then stops. */
  stop(): Promise<void>;
}

/**
 * Starts the exporters the settings ask for. Their packages are imported only then, so that a service with
 * telemetry off loads none of them and its tracing calls stay the OpenTelemetry API's no-ops
 * (src/observability/tracing.ts). Spans are batched and exported in the background; an exporter that cannot
 * reach its collector logs and drops them, and never holds a stage up.
 */
export async function startTelemetry(settings: TelemetrySettings, logger: Logger): Promise<Telemetry> {
  const stops: (() => Promise<void>)[] = [];
  const exporters: string[] = [];
  const traced =
    settings.otlpEndpoint !== undefined || settings.applicationInsightsConnectionString !== undefined;
  if (traced) {
    const { NodeTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const processors = [];
    if (settings.otlpEndpoint !== undefined) {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      const url = `${settings.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
      processors.push(
        new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1_000 }),
      );
      exporters.push('otlp');
    }
    if (settings.applicationInsightsConnectionString !== undefined) {
      const { AzureMonitorTraceExporter } = await import('@azure/monitor-opentelemetry-exporter');
      processors.push(
        new BatchSpanProcessor(
          new AzureMonitorTraceExporter({ connectionString: settings.applicationInsightsConnectionString }),
        ),
      );
      exporters.push('application-insights');
    }
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({
        'service.name': settings.serviceName,
        'service.version': settings.serviceVersion,
        'service.instance.id': `${hostname()}:${process.pid}`,
        'allocations.stages': settings.stages.join(','),
      }),
      spanProcessors: processors,
    });
    // The global provider, W3C Trace Context propagation and an AsyncLocalStorage context: the API's calls now
    // record and carry spans.
    provider.register();
    setTracing(true);
    stops.push(() => {
      setTracing(false);
      return provider.shutdown();
    });
  }
  if (settings.sentryDsn !== undefined) {
    const Sentry = await import('@sentry/node');
    Sentry.init({
      dsn: settings.sentryDsn,
      ...(settings.sentryEnvironment ? { environment: settings.sentryEnvironment } : {}),
      release: settings.serviceVersion,
      // Errors only: the traces are OpenTelemetry's above (no competing tracer provider), and Sentry
      // instruments nothing of its own.
      enableOpenTelemetrySetup: false,
      enableRuntimeChannelInjection: false,
      defaultIntegrations: false,
    });
    const uninstall = installErrorReporter((error, tags) => {
      Sentry.captureException(error, { tags: { code: error.code, ...tags } });
    });
    stops.push(async () => {
      uninstall();
      await Sentry.close(2_000);
    });
    exporters.push('sentry');
  }
  if (exporters.length) logger.info({ exporters }, 'telemetry on');
  return {
    exporters,
    async stop() {
      // Bounded: a collector that does not answer must not eat the grace period a stop is given.
      for (const stop of stops.reverse()) await withinMs(stopBoundMs, stop()).catch(() => undefined);
    },
  };
}
