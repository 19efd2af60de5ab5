import { z } from 'zod';
import { crnSchema } from './domain-event.ts';

/** Workforce's `allocationReason` values (rules §4.7); absent or null means INITIAL_ALLOCATION. */
export const allocationReasons = [
  'ALLOCATED_TO_RESPONSIBLE_OFFICER',
  'CASELOAD_ADJUSTMENT',
  'CHANGE_IN_TIER_OR_RISK',
  'CHANGE_OF_ADDRESS',
  'OFFICER_LEFT',
  'OTHER',
  'RISK_TO_STAFF',
  'TRANSFER_IN',
  'PROBATION_RESET',
  'INITIAL_ALLOCATION',
] as const;
export const allocationReasonSchema = z.enum(allocationReasons);
export type AllocationReason = z.infer<typeof allocationReasonSchema>;

export const allocationKinds = ['PERSON', 'EVENT', 'REQUIREMENT', 'LICENCE_CONDITION'] as const;
export type AllocationKind = (typeof allocationKinds)[number];

/** ISO-8601 date-time that carries its offset, e.g. `2022-07-28T10:30:54.023+01:00` (rules §4.2). */
const offsetDateTime = z.iso.datetime({ offset: true, local: false });

/** Fields every kind carries (rules §4.2). Unknown keys (staffId, createdBy, personName …) are ignored. */
const common = {
  id: z.string(),
  staffCode: z.string().min(1),
  teamCode: z.string().min(1),
  createdDate: offsetDateTime,
  allocationReason: allocationReasonSchema.nullish(),
};
const eventNumber = z.number().int().nonnegative();

export const personAllocationDetailSchema = z.object({ ...common, crn: crnSchema });
export const eventAllocationDetailSchema = z.object({
  ...common,
  eventNumber,
  spoStaffCode: z.string().min(1).nullish(),
  spoOversightNotes: z.string().nullish(),
  sensitiveOversightNotes: z.boolean().nullish(),
});
export const requirementAllocationDetailSchema = z.object({
  ...common,
  eventNumber,
  requirementId: z.number().int(),
});
export const licenceConditionAllocationDetailSchema = z.object({
  ...common,
  eventNumber,
  licenceConditionId: z.number().int(),
});

export type PersonAllocationDetail = z.infer<typeof personAllocationDetailSchema>;
export type EventAllocationDetail = z.infer<typeof eventAllocationDetailSchema>;
export type RequirementAllocationDetail = z.infer<typeof requirementAllocationDetailSchema>;
export type LicenceConditionAllocationDetail = z.infer<typeof licenceConditionAllocationDetailSchema>;

export type AllocationDetail =
  | { readonly kind: 'PERSON'; readonly detail: PersonAllocationDetail }
  | { readonly kind: 'EVENT'; readonly detail: EventAllocationDetail }
  | { readonly kind: 'REQUIREMENT'; readonly detail: RequirementAllocationDetail }
  | { readonly kind: 'LICENCE_CONDITION'; readonly detail: LicenceConditionAllocationDetail };

/**
 * The kind, deduced from the body's top-level keys in a fixed order (rules §4.1): `crn` → PERSON,
 * `requirementId` → REQUIREMENT, `licenceConditionId` → LICENCE_CONDITION, otherwise EVENT (A4).
 */
export function kindOf(body: Record<string, unknown>): AllocationKind {
  if ('crn' in body) return 'PERSON';
  if ('requirementId' in body) return 'REQUIREMENT';
  if ('licenceConditionId' in body) return 'LICENCE_CONDITION';
  return 'EVENT';
}

/** Validates a detail body (rule D6): throws a ZodError naming every field that does not fit its kind. */
export function parseAllocationDetail(body: unknown): AllocationDetail {
  const object = z.record(z.string(), z.unknown()).parse(body);
  const kind = kindOf(object);
  switch (kind) {
    case 'PERSON':
      return { kind, detail: personAllocationDetailSchema.parse(object) };
    case 'EVENT':
      return { kind, detail: eventAllocationDetailSchema.parse(object) };
    case 'REQUIREMENT':
      return { kind, detail: requirementAllocationDetailSchema.parse(object) };
    case 'LICENCE_CONDITION':
      return { kind, detail: licenceConditionAllocationDetailSchema.parse(object) };
  }
}
