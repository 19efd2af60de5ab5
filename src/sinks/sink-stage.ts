import { createSequelize, type DatabaseSettings } from '../db/sequelize.ts';
import { applyAllocation, type AllocationRequest } from '../delius/apply-allocation.ts';
import { openDeliusDb } from '../delius/delius-db.ts';
import type { AppError } from '../domain/errors.ts';
import { allocationKey, type AllocationRecord, type IapsEventRecord } from '../domain/topic-records.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import type { StageDefinition, StageRoute } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { waitForDependency } from '../observability/wait-for-dependency.ts';
import { applyToDelius } from './delius-sink.ts';

export interface SinkOptions {
  /** Partitions one process applies at once, each in order. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly database: DatabaseSettings;
  /** The Delius user the changes are made as (its USER_ row; audit, created-by and last-updated-by). */
  readonly auditUserName: string;
  readonly referenceDataTtlMs: number;
  /**
   * Each allocation is held this long after it was made, so that a person's allocations that reach Kafka out
   * of order are applied in the order they were made (0: applied as they come).
   */
  readonly orderWindowMs: number;
  /**
   * Release on the connectors' watermark once it has passed when an allocation was made plus this (the longest
   * Workforce takes to publish one it made); undefined: the window alone holds.
   */
  readonly publishBoundMs?: number | undefined;
}

export const sinkDefaults = {
  concurrency: 4,
  auditUserName: 'HMPPSAllocations',
  referenceDataTtlMs: 300_000,
  orderWindowMs: 60_000,
  publishBoundMs: 100,
} as const satisfies Partial<SinkOptions>;

/** The longest readiness waits for its own connection (the operations server gives a check 2 s in all). */
const readinessAcquireMs = 2_000;

/** Where the sink reads and writes. */
export type SinkRoute = StageRoute<AllocationRecord, IapsEventRecord>;

export interface SinkDeps {
  readonly route: SinkRoute;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly classify: (error: unknown) => AppError;
  /** Aborts a start still waiting for the database. */
  readonly signal?: AbortSignal | undefined;
}

/** The sink: allocations in, Delius changed, IAPS events out. */
export function sinkStage(
  options: SinkOptions,
  deps: SinkDeps,
): StageDefinition<AllocationRecord, IapsEventRecord> {
  const { route } = deps;
  return {
    name: 'sink',
    groupId: route.groupId,
    input: route.input,
    outputs: [route.output],
    subjectOf: (record) => ({
      kind: record.kind,
      crn: allocationKey(record),
      staffCode: record.staffCode,
      teamCode: record.teamCode,
    }),
    policy: {
      concurrency: options.concurrency,
      retry: options.retry,
    },
    // Per person, in the order Workforce made the allocations (rules §5.4 depend on it), within the window.
    order:
      options.orderWindowMs > 0
        ? {
            keyOf: allocationKey,
            timeOf: (record) => Date.parse(record.createdDate),
            windowMs: options.orderWindowMs,
            watermark: options.publishBoundMs === undefined ? undefined : { boundMs: options.publishBoundMs },
          }
        : undefined,
    async start() {
      const sequelize = createSequelize(options.database, deps.logger);
      try {
        // An unreachable database is waited for; anything else (no Delius tables, no audit user) stops the start.
        const delius = await waitForDependency(
          {
            name: 'the database',
            classify: deps.classify,
            outageCodes: new Set(['database-unavailable']),
            retry: options.retry,
            logger: deps.logger,
            signal: deps.signal,
          },
          () =>
            openDeliusDb({
              sequelize,
              auditUserName: options.auditUserName,
              logger: deps.logger.child({ component: 'delius' }),
              referenceDataTtlMs: options.referenceDataTtlMs,
            }),
        );
        const sink = {
          apply: (request: AllocationRequest) => applyAllocation(delius, request),
          iapsTopic: route.output.topic,
          metrics: deps.metrics,
          now: Date.now,
        };
        // Readiness asks on a connection of its own: a pool taken by the work (or waiting on a Delius user's
        // lock) never holds the answer up, and a flood of probes never takes a connection from the work.
        const probe = createSequelize(
          { ...options.database, poolMax: 1, poolMin: 0, poolAcquireTimeoutMs: readinessAcquireMs },
          deps.logger,
        );
        return {
          handle: (record, context) => {
            // How long Workforce took to publish what it made: what ORDER_PUBLISH_BOUND_MS must cover.
            if (context.attempt === 1 && record.publishedAt !== null)
              deps.metrics.publishDelaySeconds.observe(
                Math.max(0, record.publishedAt - Date.parse(record.createdDate)) / 1000,
              );
            return applyToDelius(record, sink);
          },
          checks: {
            async database() {
              await probe.authenticate();
              return true;
            },
          },
          async close() {
            await sequelize.close();
            await probe.close();
          },
        };
      } catch (error) {
        await sequelize.close();
        throw error;
      }
    },
  };
}
