import type { Config } from '../config/config.ts';
import { createSequelize, databaseSettingsOf, dialectOf } from '../db/sequelize.ts';
import { applyAllocation, type AllocationRequest } from '../delius/apply-allocation.ts';
import { openDeliusDb } from '../delius/delius-db.ts';
import { allocationKey, type AllocationRecord, type IapsEventRecord } from '../domain/topic-records.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import { classifyError } from '../classify-error.ts';
import { waitForDependency } from '../observability/wait-for-dependency.ts';
import type { StageDefinition } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Topology } from '../topology.ts';
import { applyToDelius } from './delius-sink.ts';

/** The sink: allocations in, Delius changed, IAPS events out. */
export function sinkStage(
  config: Config,
  topology: Topology,
  shared: { metrics: Metrics; retry: RetryPolicy; logger: Logger; signal?: AbortSignal },
): StageDefinition<AllocationRecord, IapsEventRecord> {
  const { sink } = topology;
  const sqlite = dialectOf(config.DATABASE_URL) === 'sqlite';
  return {
    name: 'sink',
    groupId: sink.groupId,
    input: sink.input,
    outputs: [sink.output],
    subjectOf: (record) => ({
      kind: record.kind,
      crn: allocationKey(record),
      staffCode: record.staffCode,
      teamCode: record.teamCode,
    }),
    policy: {
      // SQLite serialises writers, and Sequelize opens a connection per transaction: one partition at a time.
      concurrency: sqlite ? 1 : config.PARTITION_CONCURRENCY,
      retry: shared.retry,
      // An unreachable database is an outage, not a bad message: wait for it rather than dead-letter everything.
      waitOn: (error) => error.code === 'database-unavailable',
    },
    // Per person, in the order Workforce made the allocations (rules §5.4 depend on it), within the window.
    order:
      config.ORDER_WINDOW_SECONDS > 0
        ? {
            keyOf: allocationKey,
            timeOf: (record) => Date.parse(record.createdDate),
            windowMs: config.ORDER_WINDOW_SECONDS * 1000,
          }
        : undefined,
    async start() {
      const sequelize = createSequelize(databaseSettingsOf(config), shared.logger);
      try {
        // An unreachable database is waited for; anything else (no Delius tables, no audit user) stops the start.
        const delius = await waitForDependency(
          {
            name: 'the database',
            classify: classifyError,
            outageCodes: new Set(['database-unavailable']),
            retry: shared.retry,
            logger: shared.logger,
            signal: shared.signal,
          },
          () =>
            openDeliusDb({
              sequelize,
              auditUserName: config.DELIUS_AUDIT_USER,
              logger: shared.logger.child({ component: 'delius' }),
              referenceDataTtlMs: config.REFERENCE_DATA_TTL_SECONDS * 1000,
            }),
        );
        const deps = {
          apply: (request: AllocationRequest) => applyAllocation(delius, request),
          iapsTopic: sink.output.topic,
          metrics: shared.metrics,
          now: Date.now,
        };
        return {
          handle: (record) => applyToDelius(record, deps),
          checks: {
            async database() {
              await sequelize.authenticate();
              return true;
            },
          },
          close: () => sequelize.close(),
        };
      } catch (error) {
        await sequelize.close();
        throw error;
      }
    },
  };
}
