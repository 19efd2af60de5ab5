import { Op } from 'sequelize';
import type { EventAllocationDetail } from '../domain/allocation-detail.ts';
import { notActive, notFound } from '../domain/errors.ts';
import type { AllocationResult, Completed, ContactWritten } from '../domain/outcome.ts';
import { allocateKind, type KindRules, type Located } from './allocate-kind.ts';
import type { AllocationContext } from './allocation-context.ts';
import { isReallocation } from './allocation-reasons.ts';
import { insertContact, insertTransferContact } from './contacts.ts';
import { eventIapsFlags } from './iaps.ts';
import { selectOf } from './subqueries.ts';
import { deliusSequences } from './sequences.ts';

type FoundEvent = Located;

/**
 * Spec §7, E1–E13: what an event is to the allocation rules. Besides the order manager (with transfer reason
 * CASE ORDER), an allocation writes ETOS, and SPOD03 or SPO for the senior probation officer's oversight.
 */
export function eventRules(crn: string): KindRules<EventAllocationDetail, FoundEvent, { spoId?: number }> {
  return {
    kind: 'EVENT',
    async locate(context, detail) {
      const { db, transaction } = context;
      const { Offender, Event } = db.models;
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
      return { ownerId: eventId, personId, ownerLabel: `event ${detail.eventNumber} of crn ${crn}` };
    },
    managers: (models) => ({
      model: models.EventManager,
      sequence: deliusSequences.eventManager,
      label: 'Order Manager',
    }),
    transfers: (models) => models.EventTransfer,
    otherStaffCodes: (detail) => (detail.spoStaffCode ? [detail.spoStaffCode] : []),
    pendingTransferProperties: (_context, _event, detail) =>
      Promise.resolve({ eventNumber: String(detail.eventNumber) }),
    transferReason: 'CASE ORDER',
    prepare(detail, candidates) {
      if (!detail.spoStaffCode) return {};
      const spo = candidates.staffByCode(detail.spoStaffCode);
      if (!spo)
        throw notFound(`SPO Staff with code of ${detail.spoStaffCode} not found`, {
          spoStaffCode: detail.spoStaffCode,
        });
      return { spoId: spo.id };
    },
    async write(context, event, detail, { previous, created }, { spoId }) {
      const { personId, ownerId: eventId } = event;
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
            staffId: spoId ?? created.staffId,
            teamId: created.teamId,
            providerId: created.providerId,
            notes: detail.spoOversightNotes ?? null,
            // S10 (kept): oversight notes are sensitive unless Workforce says otherwise.
            sensitive: detail.sensitiveOversightNotes ?? true,
          }),
        );
      }
      return { contacts };
    },
    iapsFlags: (context, event) => eventIapsFlags(context, event.ownerId),
  };
}

export function allocateEvent(
  context: AllocationContext,
  crn: string,
  detail: EventAllocationDetail,
): Promise<Completed<AllocationResult>> {
  return allocateKind(context, eventRules(crn), detail);
}
