import { parseAllocationDetail } from '../domain/allocation-detail.ts';
import { AppError } from '../domain/errors.ts';
import { allocationKey, domainEventRecordSchema, toAllocationRecord } from '../domain/topic-records.ts';
import type { AvroSerde } from '../kafka/serde.ts';
import type { StageOutcome } from '../kafka/stage-outcome.ts';
import type { IncomingMessage, MessageContext } from '../kafka/stage-runner.ts';
import type { WorkloadClient } from './workload-client.ts';

export interface EnrichDeps {
  readonly serde: AvroSerde;
  readonly workload: WorkloadClient;
  /** Origins detail URLs may point at (D1). */
  readonly allowedOrigins: ReadonlySet<string>;
  readonly allocationsTopic: string;
  readonly now: () => number;
}

/**
 * The enrichment processor: a domain event in, the allocation it announces out (rules §3, §4). A detail URL
 * outside the allow-list is never requested; an unreadable or ill-fitting detail is dead-lettered; HTTP
 * failures that may pass (404 while the detail catches up, 5xx, timeouts) are retried by the runner.
 */
export async function enrichAllocation(
  message: IncomingMessage,
  deps: EnrichDeps,
  _context: MessageContext,
): Promise<StageOutcome> {
  const event = await deps.serde.decode(message.value, domainEventRecordSchema);
  const subject = { crn: event.crn };
  if (!event.detailUrl) return { ...subject, status: 'ignored', reason: 'no detailUrl' };

  let url: URL;
  try {
    url = new URL(event.detailUrl);
  } catch (error) {
    return {
      ...subject,
      status: 'dead-letter',
      error: new AppError('disallowed-url', `Unexpected detail URL: ${event.detailUrl}`, { cause: error }),
    };
  }
  if (!deps.allowedOrigins.has(url.origin)) {
    return {
      ...subject,
      status: 'dead-letter',
      error: new AppError('disallowed-url', `Unexpected detail URL: ${event.detailUrl}`),
    };
  }

  const body = await deps.workload.fetchDetail(url, _context.signal);
  let allocation;
  try {
    allocation = parseAllocationDetail(body);
  } catch (error) {
    return {
      ...subject,
      status: 'dead-letter',
      error: new AppError(
        'invalid-detail',
        `the detail at ${url.pathname} does not fit any allocation kind: ${(error as Error).message}`,
        { cause: error },
      ),
    };
  }
  const record = toAllocationRecord({ ...event, detailUrl: event.detailUrl }, allocation, deps.now());
  const value = await deps.serde.encode(deps.allocationsTopic, record);
  return {
    kind: allocation.kind,
    crn: allocationKey(record),
    status: 'applied',
    produce: [
      {
        topic: deps.allocationsTopic,
        key: allocationKey(record),
        value,
        headers: { 'message-id': record.messageId },
      },
    ],
  };
}
