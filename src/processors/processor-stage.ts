import type { Config } from '../config/config.ts';
import type { AllocationRecord, DomainEventRecord } from '../domain/topic-records.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import type { StageDefinition } from '../kafka/stage.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Topology } from '../topology.ts';
import { enrichAllocation } from './enrich-allocation.ts';
import { hmppsAuthClient } from './hmpps-auth.ts';
import { workloadClient, workloadDispatcher } from './workload-client.ts';

/** The processor: domain events in, allocations with their Workload details out. */
export function processorStage(
  config: Config,
  topology: Topology,
  shared: { metrics: Metrics; retry: RetryPolicy },
): StageDefinition<DomainEventRecord, AllocationRecord> {
  const { processor } = topology;
  return {
    name: 'processor',
    groupId: processor.groupId,
    input: processor.input,
    outputs: [processor.output],
    subjectOf: (event) => ({ crn: event.crn }),
    policy: { concurrency: config.PARTITION_CONCURRENCY, retry: shared.retry },
    start() {
      const dispatcher = workloadDispatcher({
        connectTimeoutMs: config.DETAIL_CONNECT_TIMEOUT_MS,
        readTimeoutMs: config.DETAIL_READ_TIMEOUT_MS,
      });
      const auth = hmppsAuthClient(
        {
          url: config.HMPPS_AUTH_URL,
          clientId: config.HMPPS_AUTH_CLIENT_ID,
          clientSecret: config.HMPPS_AUTH_CLIENT_SECRET,
        },
        { metrics: shared.metrics, dispatcher },
      );
      const deps = {
        workload: workloadClient({
          auth,
          metrics: shared.metrics,
          dispatcher,
          readTimeoutMs: config.DETAIL_READ_TIMEOUT_MS,
          maxBodyBytes: config.DETAIL_MAX_BYTES,
        }),
        allowedOrigins: new Set(config.DETAIL_URL_ALLOW_LIST),
        allocationsTopic: processor.output.topic,
        now: Date.now,
      };
      return Promise.resolve({
        handle: (event, context) => enrichAllocation(event, deps, context),
        close: () => dispatcher.close(),
      });
    },
  };
}
