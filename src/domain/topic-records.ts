import { z } from 'zod';
import {
  allocationKinds,
  allocationReasonSchema,
  parseAllocationDetail,
  type AllocationDetail,
} from './allocation-detail.ts';
import { crnOf, type HmppsDomainEvent } from './domain-event.ts';
import type { IapsFlag } from './outcome.ts';

/*
 * One zod schema per topic record; the Avro schemas in schemas/ are the wire contract for the same fields
 * (a test keeps the two in step). Records are validated again after Avro decoding, so a consumer never acts
 * on a record that does not fit, whatever produced it.
 */

/** schemas/domain-event.avsc */
export const domainEventRecordSchema = z.object({
  messageId: z.string(),
  eventType: z.string(),
  version: z.number().int(),
  detailUrl: z.string().nullable(),
  occurredAt: z.string().nullable(),
  description: z.string().nullable(),
  crn: z.string().nullable(),
  personReference: z
    .object({ identifiers: z.array(z.object({ type: z.string(), value: z.string() })) })
    .nullable(),
  additionalInformation: z.string().nullable(),
  publishedAt: z.number().int().nullable(),
});
export type DomainEventRecord = z.infer<typeof domainEventRecordSchema>;

/** schemas/allocation.avsc */
export const allocationRecordSchema = z.object({
  messageId: z.string(),
  eventType: z.string(),
  detailUrl: z.string(),
  crn: z.string().nullable(),
  kind: z.enum(allocationKinds),
  allocationId: z.string(),
  staffCode: z.string(),
  teamCode: z.string(),
  createdDate: z.string(),
  allocationReason: allocationReasonSchema.nullable(),
  personCrn: z.string().nullable(),
  eventNumber: z.number().int().nullable(),
  requirementId: z.number().int().nullable(),
  licenceConditionId: z.number().int().nullable(),
  spoStaffCode: z.string().nullable(),
  spoOversightNotes: z.string().nullable(),
  sensitiveOversightNotes: z.boolean().nullable(),
  publishedAt: z.number().int().nullable(),
  enrichedAt: z.number().int(),
});
export type AllocationRecord = z.infer<typeof allocationRecordSchema>;

/** schemas/iaps-event.avsc */
export const iapsEventRecordSchema = z.object({
  crn: z.string(),
  table: z.enum(['IAPS_OFFENDER', 'IAPS_EVENT', 'IAPS_RQMNT']),
  id: z.number().int(),
  iapsFlag: z.number().int(),
  allocationMessageId: z.string(),
  occurredAt: z.number().int(),
});
export type IapsEventRecord = z.infer<typeof iapsEventRecordSchema>;

export function toDomainEventRecord(
  event: HmppsDomainEvent,
  messageId: string,
  publishedAt: number | null,
): DomainEventRecord {
  const identifiers = event.personReference?.identifiers;
  return {
    messageId,
    eventType: event.eventType,
    version: event.version,
    detailUrl: event.detailUrl ?? null,
    occurredAt: event.occurredAt ?? null,
    description: event.description ?? null,
    crn: crnOf(event) ?? null,
    personReference: identifiers ? { identifiers } : null,
    additionalInformation: event.additionalInformation ? JSON.stringify(event.additionalInformation) : null,
    publishedAt,
  };
}

export function toAllocationRecord(
  event: DomainEventRecord & { detailUrl: string },
  allocation: AllocationDetail,
  enrichedAt: number,
): AllocationRecord {
  const { detail } = allocation;
  return {
    messageId: event.messageId,
    eventType: event.eventType,
    detailUrl: event.detailUrl,
    crn: event.crn,
    kind: allocation.kind,
    allocationId: detail.id,
    staffCode: detail.staffCode,
    teamCode: detail.teamCode,
    createdDate: detail.createdDate,
    allocationReason: detail.allocationReason ?? null,
    personCrn: allocation.kind === 'PERSON' ? allocation.detail.crn : null,
    eventNumber: allocation.kind === 'PERSON' ? null : allocation.detail.eventNumber,
    requirementId: allocation.kind === 'REQUIREMENT' ? allocation.detail.requirementId : null,
    licenceConditionId: allocation.kind === 'LICENCE_CONDITION' ? allocation.detail.licenceConditionId : null,
    spoStaffCode: allocation.kind === 'EVENT' ? (allocation.detail.spoStaffCode ?? null) : null,
    spoOversightNotes: allocation.kind === 'EVENT' ? (allocation.detail.spoOversightNotes ?? null) : null,
    sensitiveOversightNotes:
      allocation.kind === 'EVENT' ? (allocation.detail.sensitiveOversightNotes ?? null) : null,
    publishedAt: event.publishedAt,
    enrichedAt,
  };
}

/** The detail back from a record, validated by the same schemas as Workforce's response. */
export function allocationDetailOf(record: AllocationRecord): AllocationDetail {
  const common = {
    id: record.allocationId,
    staffCode: record.staffCode,
    teamCode: record.teamCode,
    createdDate: record.createdDate,
    allocationReason: record.allocationReason,
  };
  const byKind = {
    PERSON: { crn: record.personCrn },
    EVENT: {
      eventNumber: record.eventNumber,
      spoStaffCode: record.spoStaffCode,
      spoOversightNotes: record.spoOversightNotes,
      sensitiveOversightNotes: record.sensitiveOversightNotes,
    },
    REQUIREMENT: { eventNumber: record.eventNumber, requirementId: record.requirementId },
    LICENCE_CONDITION: { eventNumber: record.eventNumber, licenceConditionId: record.licenceConditionId },
  }[record.kind];
  // Optional fields that were absent in the detail travel as null; leave them absent again.
  const present = Object.fromEntries(
    Object.entries({ ...common, ...byKind }).filter(([, value]) => value !== null),
  );
  const allocation = parseAllocationDetail(present);
  if (allocation.kind !== record.kind)
    throw new Error(`record of kind ${record.kind} holds a ${allocation.kind} detail`);
  return allocation;
}

/** The partition key: the person whose Delius records change (PERSON: the detail's CRN, rule S2). */
export function allocationKey(record: AllocationRecord): string {
  return record.personCrn ?? record.crn ?? record.messageId;
}

export function toIapsEventRecord(
  flag: IapsFlag,
  crn: string,
  allocationMessageId: string,
  occurredAt: number,
): IapsEventRecord {
  return { crn, table: flag.table, id: flag.id, iapsFlag: 1, allocationMessageId, occurredAt };
}
