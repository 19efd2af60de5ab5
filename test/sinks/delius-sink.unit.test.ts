import type { AllocationRequest } from '../../src/delius/apply-allocation.ts';
import { AppError } from '../../src/domain/errors.ts';
import type { AllocationResult, Handled } from '../../src/domain/outcome.ts';
import type { AllocationRecord } from '../../src/domain/topic-records.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { applyToDelius } from '../../src/sinks/delius-sink.ts';
import { allocationRecord } from '../support/allocation-requests.ts';

const record: AllocationRecord = allocationRecord();
const flag = { table: 'IAPS_EVENT', id: 7 } as const;

/** The sink's handler over a Delius module that answers `outcome` and records the requests it was given. */
function sink(outcome: Handled<AllocationResult> | Error) {
  const requests: AllocationRequest[] = [];
  const metrics = createMetrics();
  const handle = (input: AllocationRecord) =>
    applyToDelius(input, {
      apply: (request) => {
        requests.push(request);
        return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
      },
      iapsTopic: 'iaps',
      metrics,
      now: () => 3_000,
    });
  return { handle, requests, metrics };
}

describe('the Delius sink', () => {
  it('hands Delius the allocation the record carries, with the message CRN', async () => {
    const { handle, requests } = sink({
      status: 'duplicate',
      subject: {},
      result: { changes: null, iaps: [] },
    });
    await handle(record);
    expect(requests).toEqual([
      {
        kind: 'EVENT',
        detail: {
          id: 'a-1',
          staffCode: 'N02ABS1',
          teamCode: 'N02ABS',
          createdDate: '2022-07-28T10:30:54.023+01:00',
          eventNumber: 1,
        },
        messageCrn: 'X123456',
      },
    ]);
  });

  it('emits one IAPS event per flag an applied allocation set, keyed by the person', async () => {
    const changes = { managerId: 1, previousManagerId: 2, contacts: [], iaps: [flag] };
    const { handle, metrics } = sink({
      status: 'applied',
      subject: { kind: 'EVENT', crn: 'X123456', personId: 5 },
      result: { changes, iaps: [flag] },
    });
    expect(await handle(record)).toEqual({
      status: 'applied',
      subject: { kind: 'EVENT', crn: 'X123456', personId: 5 },
      result: [
        {
          topic: 'iaps',
          key: 'X123456',
          value: {
            crn: 'X123456',
            table: 'IAPS_EVENT',
            id: 7,
            iapsFlag: 1,
            allocationMessageId: 'm-1',
            occurredAt: 3_000,
          },
        },
      ],
    });
    expect(
      (await metrics.registry.getSingleMetricAsString('allocations_end_to_end_seconds')).includes('_count 1'),
    ).toBe(true);
  });

  it('emits the IAPS events of a duplicate again, so none is lost to a crash after the commit', async () => {
    const { handle } = sink({
      status: 'duplicate',
      subject: { crn: 'X123456' },
      result: { changes: null, iaps: [flag] },
    });
    expect(await handle(record)).toMatchObject({
      status: 'duplicate',
      result: [{ topic: 'iaps', key: 'X123456' }],
    });
  });

  it('reports an ignored allocation with its reason and emits nothing', async () => {
    const { handle } = sink({
      status: 'ignored',
      subject: { crn: 'X123456' },
      reason: 'Pending transfer exists in Delius',
      properties: { eventNumber: '1' },
    });
    expect(await handle(record)).toEqual({
      status: 'ignored',
      subject: { crn: 'X123456' },
      reason: 'Pending transfer exists in Delius',
      properties: { eventNumber: '1' },
    });
  });

  it('lets a failure of Delius through for the runner to classify', async () => {
    const failure = new AppError('optimistic-lock', 'stale', { retryable: true });
    await expect(sink(failure).handle(record)).rejects.toBe(failure);
  });

  it('fails, for good, on a record whose kind and fields disagree, without touching Delius', async () => {
    const { handle, requests } = sink({
      status: 'duplicate',
      subject: {},
      result: { changes: null, iaps: [] },
    });
    await expect(handle({ ...record, eventNumber: null })).rejects.toMatchObject({
      code: 'invalid-message',
      retryable: false,
    });
    expect(requests).toEqual([]);
  });
});
