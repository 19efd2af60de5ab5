import type { AllocationRecord, DomainEventRecord } from '../domain/topic-records.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import type { OutageWatch } from '../kafka/outage-watch.ts';
import type { StageDefinition, StageRoute } from '../kafka/stage.ts';
import type { Metrics } from '../observability/metrics.ts';
import { enrichAllocation } from './enrich-allocation.ts';
import { hmppsAuthClient } from './hmpps-auth.ts';
import { workloadClient, workloadDispatcher } from './workload-client.ts';

export interface ProcessorOptions {
  /** Partitions one process enriches at once, each in order. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly auth: { readonly url: string; readonly clientId: string; readonly clientSecret: string };
  /** Origins (scheme://host:port) detail URLs may point at (D1). */
  readonly allowedOrigins: readonly string[];
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  /** The largest detail body read; a larger one is refused while it streams in. */
  readonly maxDetailBytes: number;
}

/** D4: connect within 1 s, answer within 5 s; a real detail is well under a kilobyte. */
export const processorDefaults = {
  concurrency: 4,
  connectTimeoutMs: 1_000,
  readTimeoutMs: 5_000,
  maxDetailBytes: 1_048_576,
} as const satisfies Partial<ProcessorOptions>;

/** Where the processor reads and writes. */
export type ProcessorRoute = StageRoute<DomainEventRecord, AllocationRecord>;

/** The processor: domain events in, allocations with their Workload details out. */
export function processorStage(
  options: ProcessorOptions,
  deps: {
    readonly route: ProcessorRoute;
    readonly metrics: Metrics;
    /** Told when the Workload API and HMPPS Auth answer: an outage of either ends there. */
    readonly outages: Pick<OutageWatch, 'answered' | 'setProbe'>;
  },
): StageDefinition<DomainEventRecord, AllocationRecord> {
  const { route, metrics, outages } = deps;
  return {
    name: 'processor',
    groupId: route.groupId,
    input: route.input,
    outputs: [route.output],
    subjectOf: (event) => ({ crn: event.crn }),
    policy: { concurrency: options.concurrency, retry: options.retry },
    // The connectors' watermarks go on to the sink, after the allocations made from the events before them.
    forwardWatermarks: true,
    start() {
      const dispatcher = workloadDispatcher(options);
      const auth = hmppsAuthClient(options.auth, {
        metrics,
        dispatcher,
        onAnswer: () => outages.answered('hmpps-auth'),
      });
      const enrich = {
        workload: workloadClient({
          auth,
          metrics,
          dispatcher,
          readTimeoutMs: options.readTimeoutMs,
          maxBodyBytes: options.maxDetailBytes,
          onAnswer: () => outages.answered('workload-api'),
        }),
        allowedOrigins: new Set(options.allowedOrigins),
        allocationsTopic: route.output.topic,
        now: Date.now,
      };
      // A detail that fails while nothing else was asked: whether the API serves others, asked of it directly.
      const probing = new AbortController();
      outages.setProbe('workload-api', () =>
        enrich.workload.probe(AbortSignal.any([probing.signal, AbortSignal.timeout(options.readTimeoutMs)])),
      );
      return Promise.resolve({
        handle: (event, context) => enrichAllocation(event, enrich, context),
        close: () => {
          probing.abort();
          return dispatcher.close();
        },
      });
    },
  };
}
