import { AppError } from '../domain/errors.ts';
import type { IapsFlag } from '../domain/outcome.ts';
import {
  allocationDetailOf,
  allocationKey,
  allocationRecordSchema,
  toIapsEventRecord,
} from '../domain/topic-records.ts';
import { applyAllocation } from '../delius/apply-allocation.ts';
import type { DeliusDb } from '../delius/delius-db.ts';
import type { AvroSerde } from '../kafka/serde.ts';
import type { OutgoingRecord, StageOutcome } from '../kafka/stage-outcome.ts';
import type { IncomingMessage, MessageContext } from '../kafka/stage-runner.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface SinkDeps {
  readonly serde: AvroSerde;
  readonly delius: DeliusDb;
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
  message: IncomingMessage,
  deps: SinkDeps,
  _context: MessageContext,
): Promise<StageOutcome> {
  const record = await deps.serde.decode(message.value, allocationRecordSchema);
  let allocation;
  try {
    allocation = allocationDetailOf(record);
  } catch (error) {
    return {
      crn: record.crn,
      status: 'dead-letter',
      error: new AppError(
        'invalid-message',
        `the allocation record is not valid: ${(error as Error).message}`,
        { cause: error },
      ),
    };
  }
  const outcome = await applyAllocation(deps.delius, { ...allocation, messageCrn: record.crn ?? undefined });
  const subject = {
    kind: outcome.kind,
    crn: outcome.crn ?? allocationKey(record),
    staffCode: record.staffCode,
    teamCode: record.teamCode,
  };

  const iapsEvents = async (flags: readonly IapsFlag[]): Promise<OutgoingRecord[]> => {
    const crn = outcome.crn ?? allocationKey(record);
    const occurredAt = deps.now();
    const events: OutgoingRecord[] = [];
    for (const flag of flags) {
      const value = await deps.serde.encode(
        deps.iapsTopic,
        toIapsEventRecord(flag, crn, record.messageId, occurredAt),
      );
      events.push({ topic: deps.iapsTopic, key: crn, value });
    }
    return events;
  };

  switch (outcome.status) {
    case 'applied':
      if (record.publishedAt !== null)
        deps.metrics.endToEndSeconds.observe((deps.now() - record.publishedAt) / 1000);
      return { ...subject, status: 'applied', produce: await iapsEvents(outcome.changes.iaps) };
    case 'duplicate':
      return { ...subject, status: 'duplicate', produce: await iapsEvents(outcome.iaps) };
    case 'ignored':
      return { ...subject, status: 'ignored', reason: outcome.reason, properties: outcome.properties };
    case 'failed':
      return { ...subject, status: outcome.error.retryable ? 'retry' : 'dead-letter', error: outcome.error };
  }
}
