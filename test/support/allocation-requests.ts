import type { AllocationKind } from '../../src/domain/allocation-detail.ts';
import { parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import type { AllocationRequest } from '../../src/delius/apply-allocation.ts';
import type { AllocationRecord } from '../../src/domain/topic-records.ts';

export const exampleCreatedDate = '2022-07-28T10:30:54.023+01:00';

const baseDetails: Record<AllocationKind, Record<string, unknown>> = {
  PERSON: { crn: 'X123456' },
  EVENT: { eventNumber: 2 },
  REQUIREMENT: { eventNumber: 1, requirementId: 9001 },
  LICENCE_CONDITION: { eventNumber: 1, licenceConditionId: 8001 },
};

/** An allocation of the example data to N02ABS1 in N02ABS, with any field changed; validated like a real one. */
export function allocationRequest(
  kind: AllocationKind,
  detail: Record<string, unknown> = {},
  /** null: a message without a CRN identifier. */
  messageCrn: string | null = 'X123456',
): AllocationRequest {
  const body = {
    id: 'test',
    staffCode: 'N02ABS1',
    teamCode: 'N02ABS',
    createdDate: exampleCreatedDate,
    ...baseDetails[kind],
    ...detail,
  };
  const parsed = parseAllocationDetail(body);
  if (parsed.kind !== kind) throw new Error(`built a ${parsed.kind} allocation, not ${kind}`);
  return { ...parsed, messageCrn: messageCrn ?? undefined };
}

/** An allocation record as the processor hands it to the sink (X123456's event 1, to N02ABS1), any field changed. */
export function allocationRecord(fields: Partial<AllocationRecord> = {}): AllocationRecord {
  return {
    messageId: 'm-1',
    eventType: 'event.manager.allocated',
    detailUrl: 'https://workload.example/allocation/event/1',
    crn: 'X123456',
    kind: 'EVENT',
    allocationId: 'a-1',
    staffCode: 'N02ABS1',
    teamCode: 'N02ABS',
    createdDate: exampleCreatedDate,
    allocationReason: null,
    personCrn: null,
    eventNumber: 1,
    requirementId: null,
    licenceConditionId: null,
    spoStaffCode: null,
    spoOversightNotes: null,
    sensitiveOversightNotes: null,
    publishedAt: 1_000,
    enrichedAt: 1_500,
    ...fields,
  };
}

/** A person allocation's domain event, as Workforce publishes it, pointing at `detailUrl`. */
export const personEvent = (detailUrl: string, crn: string) => ({
  eventType: 'person.community.manager.allocated',
  version: 1,
  detailUrl,
  occurredAt: '2022-07-28T10:30:55+01:00',
  personReference: { identifiers: [{ type: 'CRN', value: crn }] },
});
