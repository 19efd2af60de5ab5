import type { AllocationKind, AllocationReason } from '../domain/allocation-detail.ts';

/** The reference-data set each kind's reason comes from (delius-model.md §3.1; A5: the plural name is the code's). */
export const allocationReasonDataset: Record<AllocationKind, string> = {
  PERSON: 'OM ALLOCATION REASON',
  EVENT: 'ORDER ALLOCATION REASON',
  REQUIREMENT: 'RM ALLOCATION REASON',
  LICENCE_CONDITION: 'LC ALLOCATION REASONS',
};

const sameForAll = (code: string): Record<AllocationKind, string> => ({
  PERSON: code,
  EVENT: code,
  REQUIREMENT: code,
  LICENCE_CONDITION: code,
});

/** Workforce's reason → the Delius code per kind (delius-model.md §3.1). */
const codes: Record<AllocationReason, Record<AllocationKind, string>> = {
  ALLOCATED_TO_RESPONSIBLE_OFFICER: sameForAll('RO'),
  CASELOAD_ADJUSTMENT: sameForAll('AR02'),
  CHANGE_IN_TIER_OR_RISK: sameForAll('CTR'),
  CHANGE_OF_ADDRESS: { PERSON: 'AR03', EVENT: 'OA01', REQUIREMENT: 'OM', LICENCE_CONDITION: 'OM' },
  OFFICER_LEFT: sameForAll('OFL'),
  OTHER: sameForAll('OTH'),
  RISK_TO_STAFF: sameForAll('RTS'),
  TRANSFER_IN: sameForAll('TIN'),
  PROBATION_RESET: sameForAll('RESET'),
  INITIAL_ALLOCATION: { PERSON: 'IN1', EVENT: 'INT', REQUIREMENT: 'IN1', LICENCE_CONDITION: 'IN1' },
};

export function allocationReasonCode(
  kind: AllocationKind,
  reason: AllocationReason | null | undefined,
): string {
  return codes[reason ?? 'INITIAL_ALLOCATION'][kind];
}

/** Every code a kind may need, so the schema builder can seed complete datasets. */
export function allocationReasonCodes(kind: AllocationKind): string[] {
  return [...new Set(Object.values(codes).map((byKind) => byKind[kind]))];
}

/** A re-allocation carries a reason other than INITIAL_ALLOCATION (rules §4.7). */
export function isReallocation(reason: AllocationReason | null | undefined): boolean {
  return reason !== null && reason !== undefined && reason !== 'INITIAL_ALLOCATION';
}
