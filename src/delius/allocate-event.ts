import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { EventAllocationDetail } from '../domain/allocation-detail.ts';
import { notActive, notFound } from '../domain/errors.ts';
import type { ContactWritten } from '../domain/outcome.ts';
import type { AllocationContext } from './allocation-context.ts';
import { isReallocation } from './allocation-reasons.ts';
import { insertContact, insertTransferContact } from './contacts.ts';
import { eventIapsFlags, setIapsFlags } from './iaps.ts';
import { requireTransferReason } from './lookups.ts';
import { selectOf } from './subqueries.ts';
import { Op } from 'sequelize';
import { prepareReallocation, replaceManager, type ManagerTable } from './manager-period.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import { deliusSequences } from './sequences.ts';

/** Spec §7, E1–E13. */
export async function allocateEvent(
  context: AllocationContext,
  crn: string,
  detail: EventAllocationDetail,
): Promise<Completed<AllocationResult>> {
  const { db, transaction } = context;
  const { Offender, Event, EventManager, EventTransfer } = db.models;

  // The person by CRN and their event by number in one read: either missing is the same "not found".
  const event = await Event.findOne({
    where: {
      personId: { [Op.eq]: selectOf(Offender, 'id', { crn }) },
      eventNumber: String(detail.eventNumber),
      softDeleted: 0,
    },
    transaction,
  });
  if (!event)
    throw notFound(`Event ${detail.eventNumber} not found for crn ${crn}`, {
      crn,
      eventNumber: detail.eventNumber,
    });
  const { id: eventId, personId, activeFlag } = event.get({ plain: true });
  context.auditParameters.set('offenderId', String(personId));
  context.auditParameters.set('eventId', String(eventId));
  context.rebuildCaseloadAfterCommit(personId);
  if (activeFlag !== 1)
    throw notActive(`Event with number of ${detail.eventNumber} not active`, {
      crn,
      eventNumber: detail.eventNumber,
    });

  const table: ManagerTable = {
    model: EventManager,
    sequence: deliusSequences.eventManager,
    label: 'Order Manager',
  };
  const reallocation = await prepareReallocation(context, {
    kind: 'EVENT',
    detail,
    table,
    ownerId: eventId,
    ownerLabel: `event ${detail.eventNumber} of crn ${crn}`,
    transfers: EventTransfer,
    ...(detail.spoStaffCode ? { otherStaffCodes: [detail.spoStaffCode] } : {}),
    pendingTransferProperties: () => Promise.resolve({ eventNumber: String(detail.eventNumber) }),
  });
  if (reallocation.duplicate) return duplicateOf(personId, await eventIapsFlags(context, eventId));
  const { current, target, candidates } = reallocation;

  const transferReasonId = await requireTransferReason(context, 'CASE ORDER');
  const spo = detail.spoStaffCode ? candidates.staffByCode(detail.spoStaffCode) : undefined;
  if (detail.spoStaffCode && !spo)
    throw notFound(`SPO Staff with code of ${detail.spoStaffCode} not found`, {
      spoStaffCode: detail.spoStaffCode,
    });

  const { previous, created } = await replaceManager(context, table, current, target, { transferReasonId });
  const contacts: ContactWritten[] = [
    await insertTransferContact(context, { typeCode: 'ETOS', personId, eventId, previous, created }),
  ];

  // E12: SPOD03 records the SPO's oversight of every initial allocation; SPO only a re-allocation's notes.
  const reallocated = isReallocation(detail.allocationReason);
  if (!reallocated || detail.spoOversightNotes) {
    contacts.push(
      await insertContact(context, {
        typeCode: reallocated ? 'SPO' : 'SPOD03',
        personId,
        eventId,
        startTime: created.allocationDate,
        staffId: spo ? spo.id : created.staffId,
        teamId: created.teamId,
        providerId: created.providerId,
        notes: detail.spoOversightNotes ?? null,
        // S10 (kept): oversight notes are sensitive unless Workforce says otherwise.
        sensitive: detail.sensitiveOversightNotes ?? true,
      }),
    );
  }

  const iaps = await setIapsFlags(context, await eventIapsFlags(context, eventId));
  return appliedOf(personId, { managerId: created.id, previousManagerId: previous.id, contacts, iaps });
}
