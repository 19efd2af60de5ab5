import { conflict, notActive, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import type { Row } from './models/columns.ts';
import type { disposalColumns } from './models/people.ts';
import { selectOf } from './subqueries.ts';

/**
 * R2–R5 and L2–L5: a requirement or licence condition belongs to a person and, through its disposal, to an
 * event. Both must be the ones the message names, and the sentence must still be active.
 */
export async function componentOwner(
  context: AllocationContext,
  component: {
    readonly label: 'Requirement' | 'Licence Condition';
    readonly id: number;
    readonly personId: number;
    readonly disposalId: number;
  },
  expected: { readonly crn: string; readonly eventNumber: number },
) {
  const { db, transaction } = context;
  const { Disposal, Event, Offender } = db.models;
  // The disposal, its event and the person in one read: the event's and the person's columns as subqueries.
  const eventOf = { id: { outer: Disposal, attribute: 'eventId' } } as const;
  const found = await Disposal.findByPk(component.disposalId, {
    attributes: {
      include: [
        [selectOf(Event, 'eventNumber', eventOf), 'eventNumber'],
        [selectOf(Event, 'activeFlag', eventOf), 'eventActive'],
        [selectOf(Offender, 'crn', { id: component.personId }), 'crn'],
      ],
    },
    transaction,
  });
  const disposal = found?.get({ plain: true }) as
    | (Row<typeof disposalColumns> & {
        eventNumber: string | number | null;
        eventActive: string | number | null;
        crn: string | null;
      })
    | undefined;
  if (!disposal || disposal.eventNumber === null || disposal.crn === null) {
    throw notFound(`${component.label} ${component.id} has no sentence in Delius`, { id: component.id });
  }
  const { eventId } = disposal;
  const eventNumber = String(disposal.eventNumber);
  const eventActive = Number(disposal.eventActive);
  const crn = String(disposal.crn);
  const personId = component.personId;
  context.auditParameters.set('offenderId', String(personId));
  context.auditParameters.set('eventId', String(eventId));
  context.auditParameters.set('requirementId', String(component.id));
  context.rebuildCaseloadAfterCommit(personId);

  if (crn !== expected.crn)
    throw conflict(`${component.label} ${component.id} not for ${expected.crn}`, { crn: expected.crn });
  if (eventNumber !== String(expected.eventNumber)) {
    throw conflict(`${component.label} ${component.id} not for event ${expected.eventNumber}`, {
      eventNumber: expected.eventNumber,
    });
  }
  if (disposal.activeFlag !== 1 || eventActive !== 1) {
    throw notActive(`Event with number of ${expected.eventNumber} not active`, {
      eventNumber: expected.eventNumber,
    });
  }
  return { personId, eventId };
}
