import { AppError, messageOf } from '../domain/errors.ts';
import type { AllocationResult, Handled, IapsFlag } from '../domain/outcome.ts';
import {
  allocationDetailOf,
  allocationKey,
  toIapsEventRecord,
  type AllocationRecord,
  type IapsEventRecord,
} from '../domain/topic-records.ts';
import type { AllocationRequest } from '../delius/apply-allocation.ts';
import type { Emit } from '../kafka/stage.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface SinkDeps {
  /** The Delius module (`applyAllocation` on the stage's database). */
  readonly apply: (request: AllocationRequest) => Promise<Handled<AllocationResult>>;
  readonly iapsTopic: string;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/**
 * The Delius sink: one allocation, one Delius transaction (through the Delius module), then one IAPS event per
 * IAPS flag. Re-delivery is a duplicate that changes nothing in Delius and emits the IAPS events again, so a
 * crash between the commit and the publish loses no event (IAPS events are at least once).
 */
export async function applyToDelius(
  record: AllocationRecord,
  deps: SinkDeps,
): Promise<Handled<readonly Emit<IapsEventRecord>[]>> {
  let allocation;
  try {
    allocation = allocationDetailOf(record);
  } catch (error) {
    throw new AppError('invalid-message', `the allocation record is not valid: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const outcome = await deps.apply({ ...allocation, messageCrn: record.crn ?? undefined });
  const crn = outcome.subject.crn ?? allocationKey(record);
  const subject = { ...outcome.subject, crn };
  if (outcome.status === 'ignored') return { ...outcome, subject };

  const occurredAt = deps.now();
  const iapsEvents = (flags: readonly IapsFlag[]): Emit<IapsEventRecord>[] =>
    flags.map((flag) => ({
      topic: deps.iapsTopic,
      key: crn,
      value: toIapsEventRecord(flag, crn, record.messageId, occurredAt),
    }));
  if (outcome.status === 'applied' && record.publishedAt !== null)
    deps.metrics.endToEndSeconds.observe((deps.now() - record.publishedAt) / 1000);
  return { status: outcome.status, subject, result: iapsEvents(outcome.result.iaps) };
}
