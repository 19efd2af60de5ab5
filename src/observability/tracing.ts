import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import type { Outcome } from '../domain/outcome.ts';

/**
 * Traces through the OpenTelemetry API, once a tracer provider is registered (see `tracing` below).
 *
 * An allocation's trace: the connector's span (a child of the `traceparent` Workforce put on the SNS message, if
 * any) → the processor's span → the sink's span, each a child of the one before through the W3C `traceparent`
 * header of the record it reads; under them, the calls to HMPPS Auth, the Workload API and the Delius
 * transaction.
 */
const tracer = () => trace.getTracer('workforce-allocations-to-delius');

/**
 * Whether a tracer provider is registered (src/observability/telemetry.ts says so, where an exporter is
 * configured). While it is not, the calls below return at once: no span is recorded, no attribute is built, no
 * context is extracted or made current, no header is written.
 */
let tracing = false;

/** Said by the telemetry when it registers its tracer provider, and when it stops. */
export function setTracing(on: boolean): void {
  tracing = on;
}

/** The span of everything while tracing is off: records nothing, carries no trace. */
const offSpan: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/** The W3C Trace Context headers: the only ones read from a record or a message. */
const traceHeaderNames = ['traceparent', 'tracestate'] as const;

/** The trace headers of a record's (or a message's) headers; no other header is handed to the propagator. */
export function traceContextOf(
  headers: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const name of traceHeaderNames) {
    const value = headers[name];
    // W3C bounds: a traceparent is 55 characters; tracestate at most 32 entries of 256.
    if (value !== undefined && value.length <= 8_192) carrier[name] = value;
  }
  return carrier;
}

/** A stage's span for one message, the child of the trace its headers carry (a new trace where none). */
export function startStageSpan(
  stage: string,
  headers: Readonly<Record<string, string | undefined>>,
  attributes: () => Attributes,
): Span {
  if (!tracing) return offSpan;
  const parent = propagation.extract(ROOT_CONTEXT, traceContextOf(headers));
  return tracer().startSpan(
    stage,
    { kind: stage === 'connector' ? SpanKind.PRODUCER : SpanKind.CONSUMER, attributes: attributes() },
    parent,
  );
}

/** Runs `work` with `span` current: the child spans it starts, and the headers it injects, descend from it. */
export function inSpan<T>(span: Span, work: () => T): T {
  if (!tracing) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/** The trace headers a record should carry to continue `span`'s trace (the current span's, if none): none when off. */
export function traceHeaders(span?: Span): Readonly<Record<string, string>> {
  if (!tracing) return noHeaders;
  const carrier: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(context.active(), span) : context.active(), carrier);
  return carrier;
}

/** Ends a stage's span with the message's outcome: an error status for a dead letter or a retry left to SQS. */
export function endStageSpan(span: Span, outcome: Outcome<unknown> | undefined, attempts: number): void {
  if (!span.isRecording()) return;
  if (!outcome) {
    span.setAttribute('allocations.outcome', 'abandoned');
  } else {
    span.setAttributes({
      'allocations.outcome': outcome.status,
      'allocations.attempts': attempts,
      ...(outcome.subject.kind ? { 'allocations.kind': outcome.subject.kind } : {}),
    });
    if (outcome.status === 'dead-letter' || outcome.status === 'retry') {
      span.setAttribute('error.type', outcome.error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
    }
  }
  span.end();
}

/** A call to another system, as a child of the current span: its failure is recorded on it, then thrown on. */
export function inChildSpan<T>(
  name: string,
  attributes: () => Attributes,
  call: () => Promise<T>,
): Promise<T> {
  if (!tracing) return call();
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes: attributes() }, async (span) => {
    try {
      return await call();
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds what a call learnt (an answer's status) to the current span: nothing when off. */
export function annotateCurrentSpan(attributes: Attributes): void {
  if (!tracing) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}
