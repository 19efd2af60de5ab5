import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's metrics, in a registry of its own (never prom-client's global one), with prom-client's default
 * process and Node.js metrics (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
 * `nodejs_eventloop_lag_seconds`, `nodejs_heap_size_used_bytes`, GC, handles…): read when scraped, no timer.
 */
export function createMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  /** Each running stage's oldest unsettled records, read when scraped. */
  const unsettledSources = new Set<
    (now: number) => Iterable<{ stage: string; partition: number; ageMs: number }>
  >();
  const oldestUnsettled = new Gauge({
    name: 'allocations_oldest_unsettled_seconds',
    help: 'Age (since it reached its topic) of the oldest record not yet settled, by stage and partition; 0 when none',
    labelNames: ['stage', 'partition'] as const,
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const source of unsettledSources)
        for (const { stage, partition, ageMs } of source(now))
          this.set({ stage, partition: String(partition) }, Math.max(0, ageMs) / 1000);
    },
  });
  /** Each ordered stage's held heads and watermarks, read when scraped. */
  const orderSources = new Set<(now: number) => Iterable<OrderReport>>();
  // Registered first and read first on a scrape: its collect sets the watermark gauge as well.
  const heldOldest: Gauge<'stage' | 'partition'> = new Gauge({
    name: 'allocations_order_held_oldest_seconds',
    help: 'Age (since it was made) of the allocation an ordered stage holds at the head of each partition; 0 when none',
    labelNames: ['stage', 'partition'] as const,
    registers,
    collect() {
      this.reset();
      watermarkDelay.reset();
      const now = Date.now();
      for (const source of orderSources)
        for (const { stage, partition, heldMs, watermarkDelayMs } of source(now)) {
          const labels = { stage, partition: String(partition) };
          this.set(labels, Math.max(0, heldMs) / 1000);
          if (watermarkDelayMs !== undefined) watermarkDelay.set(labels, watermarkDelayMs / 1000);
        }
    },
  });
  const watermarkDelay: Gauge<'stage' | 'partition'> = new Gauge({
    name: 'allocations_order_watermark_delay_seconds',
    help: 'How far the lowest live connector watermark a partition has read is behind now; absent while unknown',
    labelNames: ['stage', 'partition'] as const,
    registers,
  });
  /** Each running stage's liveness, read when scraped. */
  const livenessSources = new Set<() => Iterable<{ stage: string; live: boolean }>>();
  const stageLive = new Gauge({
    name: 'allocations_stage_live',
    help: 'Whether each stage of this process works (1) or has stopped for good (0), as /health/liveness says',
    labelNames: ['stage'] as const,
    registers,
    collect() {
      this.reset();
      for (const source of livenessSources)
        for (const { stage, live } of source()) this.set({ stage }, live ? 1 : 0);
    },
  });
  return {
    oldestUnsettled,
    stageLive,
    /** The running stages report their liveness; the returned function stops it. */
    reportLiveness(source: () => Iterable<{ stage: string; live: boolean }>) {
      livenessSources.add(source);
      return () => livenessSources.delete(source);
    },
    heldOldest,
    watermarkDelay,
    /** An ordered stage reports its held heads and watermarks per partition; the returned function stops it. */
    reportOrder(source: (now: number) => Iterable<OrderReport>) {
      orderSources.add(source);
      return () => orderSources.delete(source);
    },
    connectorWatermark: new Gauge({
      name: 'allocations_connector_watermark_seconds',
      help: "This connector instance's low watermark (epoch seconds): every message SQS took in before it is on Kafka",
      registers,
    }),
    publishDelaySeconds: new Histogram({
      name: 'allocations_publish_delay_seconds',
      help: 'Time from Workforce making an allocation (createdDate) to SNS taking its event in: bounds the watermark wait',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    /** A stage reports its partitions' oldest unsettled records; the returned function stops it. */
    reportUnsettled(source: (now: number) => Iterable<{ stage: string; partition: number; ageMs: number }>) {
      unsettledSources.add(source);
      return () => unsettledSources.delete(source);
    },
    registry,
    messages: new Counter({
      name: 'allocations_messages_total',
      help: 'Messages handled, by stage, allocation kind and outcome',
      labelNames: ['stage', 'kind', 'outcome'] as const,
      registers,
    }),
    processingSeconds: new Histogram({
      name: 'allocations_processing_seconds',
      help: 'Time from taking a message to its final outcome, by stage',
      labelNames: ['stage'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'allocations_end_to_end_seconds',
      help: 'Time from the SNS publish to the Delius commit',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    retries: new Counter({
      name: 'allocations_retries_total',
      help: 'Attempts that failed in a way worth retrying, by stage and error code',
      labelNames: ['stage', 'code'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'allocations_dead_letters_total',
      help: 'Messages sent to the dead-letter topic or queue, by stage and error code',
      labelNames: ['stage', 'code'] as const,
      registers,
    }),
    detailRequests: new Counter({
      name: 'allocations_detail_requests_total',
      help: 'HTTP requests to the Workload API for allocation details, by status (or error)',
      labelNames: ['status'] as const,
      registers,
    }),
    tokenRefreshes: new Counter({
      name: 'allocations_token_refreshes_total',
      help: 'Client-credentials tokens fetched from HMPPS Auth',
      registers,
    }),
    heldOrderSeconds: new Histogram({
      name: 'allocations_order_held_seconds',
      help: 'Time a record was held by the order window before it was settled, by stage',
      labelNames: ['stage'] as const,
      buckets: [0, 1, 5, 15, 30, 60, 120],
      registers,
    }),
    outOfOrder: new Counter({
      name: 'allocations_out_of_order_total',
      help: 'Records settled after a later-made record of the same person: later than the order window',
      labelNames: ['stage'] as const,
      registers,
    }),
    dependencyDown: new Gauge({
      name: 'allocations_dependency_down',
      help: 'Whether the service is waiting out an outage of a dependency (1) or not (0), by dependency',
      labelNames: ['dependency'] as const,
      registers,
    }),
    outages: new Counter({
      name: 'allocations_outages_total',
      help: 'Outages of a dependency the service began waiting out, by dependency',
      labelNames: ['dependency'] as const,
      registers,
    }),
    outageSeconds: new Counter({
      name: 'allocations_outage_seconds_total',
      help: 'Seconds spent waiting out outages of a dependency (counted when each ends), by dependency',
      labelNames: ['dependency'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'allocations_consumer_lag',
      help: 'Messages not yet committed, by stage, topic and partition',
      labelNames: ['stage', 'topic', 'partition'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** One partition of an ordered stage: its held head's age and how far its watermark is behind (if known). */
export interface OrderReport {
  readonly stage: string;
  readonly partition: number;
  readonly heldMs: number;
  readonly watermarkDelayMs: number | undefined;
}
