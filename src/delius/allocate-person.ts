import type { PersonAllocationDetail } from '../domain/allocation-detail.ts';
import { notFound } from '../domain/errors.ts';
import type { AllocationResult, Completed } from '../domain/outcome.ts';
import { allocateKind, type KindRules, type Located } from './allocate-kind.ts';
import type { AllocationContext } from './allocation-context.ts';
import { insertContact, insertTransferContact } from './contacts.ts';
import { personIapsFlags } from './iaps.ts';
import { replaceResponsibleOfficer, responsibleOfficerChangeNotes } from './responsible-officer.ts';
import { deliusSequences } from './sequences.ts';

interface FoundPerson extends Located {
  readonly crn: string;
}

/**
 * Spec §6, P1–P11: what a person is to the allocation rules. The person is the detail's CRN (S2, kept: the
 * detail is Workforce's record of the decision; the message CRN is only reported). Besides the person manager,
 * an allocation replaces the responsible officer and writes ROC (its notes name both changes) and ETOM.
 */
export const personRules: KindRules<PersonAllocationDetail, FoundPerson, undefined> = {
  kind: 'PERSON',
  async locate(context, detail) {
    const { db, transaction } = context;
    const person = await db.models.Offender.findOne({ where: { crn: detail.crn }, transaction });
    if (!person) throw notFound(`Person with crn of ${detail.crn} not found`, { crn: detail.crn });
    const personId = person.get({ plain: true }).id;
    context.auditParameters.set('offenderId', String(personId));
    context.rebuildCaseloadAfterCommit(personId);
    return { ownerId: personId, personId, ownerLabel: `crn ${detail.crn}`, crn: detail.crn };
  },
  managers: (models) => ({
    model: models.PersonManager,
    sequence: deliusSequences.personManager,
    label: 'Person Manager',
  }),
  transfers: (models) => models.PersonTransfer,
  prepare: () => undefined,
  async write(context, person, _detail, { previous, created, target }) {
    const { personId } = person;
    const officers = await replaceResponsibleOfficer(context, { id: personId, crn: person.crn }, created);
    const notes = await responsibleOfficerChangeNotes(
      context,
      officers,
      [created, previous],
      target.reason.description,
    );
    const { staffId, teamId, providerId } = created;
    const roc = await insertContact(context, {
      personId,
      staffId,
      teamId,
      providerId,
      typeCode: 'ROC',
      startTime: context.at,
      notes,
    });
    const etom = await insertTransferContact(context, { typeCode: 'ETOM', personId, previous, created });
    return {
      contacts: [roc, etom],
      changes: {
        responsibleOfficerId: officers.created.id,
        ...(officers.previous ? { previousResponsibleOfficerId: officers.previous.id } : {}),
      },
    };
  },
  iapsFlags: (context, person) => personIapsFlags(context, person.personId),
};

export function allocatePerson(
  context: AllocationContext,
  detail: PersonAllocationDetail,
): Promise<Completed<AllocationResult>> {
  return allocateKind(context, personRules, detail);
}
