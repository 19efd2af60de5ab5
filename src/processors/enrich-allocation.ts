import { parseAllocationDetail } from '../domain/allocation-detail.ts';
import { AppError, messageOf } from '../domain/errors.ts';
import type { Handled } from '../domain/outcome.ts';
import {
  allocationKey,
  toAllocationRecord,
  type AllocationRecord,
  type DomainEventRecord,
} from '../domain/topic-records.ts';
import type { Emit, HandlerContext } from '../kafka/stage.ts';
import { shownUrl } from './shown-url.ts';
import type { WorkloadClient } from './workload-client.ts';

export interface EnrichDeps {
  readonly workload: WorkloadClient;
  /** Origins detail URLs may point at (D1). */
  readonly allowedOrigins: ReadonlySet<string>;
  readonly allocationsTopic: string;
  readonly now: () => number;
}

/**
 * The enrichment processor: a domain event in, the allocation it announces out (rules §3, §4). A detail URL
 * outside the allow-list is never requested; an unreadable or ill-fitting detail is a failure that no retry
 * mends; HTTP failures that may pass (404 while the detail catches up, 5xx, timeouts) are thrown as retryable.
 */
export async function enrichAllocation(
  event: DomainEventRecord,
  deps: EnrichDeps,
  context: Pick<HandlerContext, 'signal'>,
): Promise<Handled<readonly Emit<AllocationRecord>[]>> {
  if (!event.detailUrl)
    return { status: 'ignored', subject: { crn: event.crn }, reason: 'no detailUrl', properties: {} };

  let url: URL;
  try {
    url = new URL(event.detailUrl);
  } catch (error) {
    throw new AppError('disallowed-url', `Unexpected detail URL: ${event.detailUrl}`, { cause: error });
  }
  // Credentials in a URL would be sent to the API, and never succeed anyway: refused like another origin. Named
  // without them, or its query and fragment: the message reaches logs and dead-letter headers.
  if (!deps.allowedOrigins.has(url.origin) || url.username || url.password)
    throw new AppError('disallowed-url', `Unexpected detail URL: ${shownUrl(url)}`);

  const body = await deps.workload.fetchDetail(url, context.signal);
  let allocation;
  try {
    allocation = parseAllocationDetail(body);
  } catch (error) {
    throw new AppError(
      'invalid-detail',
      `the detail at ${url.pathname} does not fit any allocation kind: ${messageOf(error)}`,
      { cause: error },
    );
  }
  const record = toAllocationRecord({ ...event, detailUrl: event.detailUrl }, allocation, deps.now());
  const key = allocationKey(record);
  return {
    status: 'applied',
    subject: { kind: allocation.kind, crn: key, staffCode: record.staffCode, teamCode: record.teamCode },
    result: [
      { topic: deps.allocationsTopic, key, value: record, headers: { 'message-id': record.messageId } },
    ],
  };
}
