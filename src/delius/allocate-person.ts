import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { PersonAllocationDetail } from '../domain/allocation-detail.ts';
import { notFound } from '../domain/errors.ts';
import type { ContactWritten } from '../domain/outcome.ts';
import type { AllocationContext } from './allocation-context.ts';
import { insertContact, insertTransferContact } from './contacts.ts';
import { personIapsFlags, setIapsFlags } from './iaps.ts';
import { prepareReallocation, replaceManager, type ManagerTable } from './manager-period.ts';
import { replaceResponsibleOfficer, responsibleOfficerChangeNotes } from './responsible-officer.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import { deliusSequences } from './sequences.ts';

/**
 * Spec §6, P1–P11. The person is the detail's CRN (S2, kept: the detail is Workforce's record of the
 * decision; the message CRN is only reported).
 */
export async function allocatePerson(
  context: AllocationContext,
  detail: PersonAllocationDetail,
): Promise<Completed<AllocationResult>> {
  const { db, transaction } = context;
  const { Offender, PersonManager, PersonTransfer } = db.models;

  const person = await Offender.findOne({ where: { crn: detail.crn }, transaction });
  if (!person) throw notFound(`Person with crn of ${detail.crn} not found`, { crn: detail.crn });
  const personId = person.get({ plain: true }).id;
  context.auditParameters.set('offenderId', String(personId));
  context.rebuildCaseloadAfterCommit(personId);

  const table: ManagerTable = {
    model: PersonManager,
    sequence: deliusSequences.personManager,
    label: 'Person Manager',
  };
  const reallocation = await prepareReallocation(context, {
    kind: 'PERSON',
    detail,
    table,
    ownerId: personId,
    ownerLabel: `crn ${detail.crn}`,
    transfers: PersonTransfer,
  });
  if (reallocation.duplicate) return duplicateOf(personId, await personIapsFlags(context, personId));
  const { current, target } = reallocation;

  const { previous, created } = await replaceManager(context, table, current, target);
  const officers = await replaceResponsibleOfficer(context, { id: personId, crn: detail.crn }, created);

  const contacts: ContactWritten[] = [];
  contacts.push(
    await insertContact(context, {
      personId,
      staffId: created.staffId,
      teamId: created.teamId,
      providerId: created.providerId,
      typeCode: 'ROC',
      startTime: context.at,
      notes: await responsibleOfficerChangeNotes(
        context,
        officers,
        [created, previous],
        target.reason.description,
      ),
    }),
  );
  contacts.push(await insertTransferContact(context, { typeCode: 'ETOM', personId, previous, created }));

  const iaps = await setIapsFlags(context, await personIapsFlags(context, personId));
  return appliedOf(personId, {
    managerId: created.id,
    previousManagerId: previous.id,
    responsibleOfficerId: officers.created.id,
    ...(officers.previous ? { previousResponsibleOfficerId: officers.previous.id } : {}),
    contacts,
    iaps,
  });
}
