import { conflict, notActive, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';

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
  const disposal = await db.models.Disposal.findByPk(component.disposalId, { transaction });
  const event = disposal
    ? await db.models.Event.findByPk(disposal.get({ plain: true }).eventId, { transaction })
    : null;
  const person = await db.models.Offender.findByPk(component.personId, { transaction });
  if (!disposal || !event || !person) {
    throw notFound(`${component.label} ${component.id} has no sentence in Delius`, { id: component.id });
  }
  const { id: eventId, eventNumber, activeFlag: eventActive } = event.get({ plain: true });
  const { id: personId, crn } = person.get({ plain: true });
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
  if (disposal.get({ plain: true }).activeFlag !== 1 || eventActive !== 1) {
    throw notActive(`Event with number of ${expected.eventNumber} not active`, {
      eventNumber: expected.eventNumber,
    });
  }
  return { personId, eventId };
}
