import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { RequirementAllocationDetail } from '../domain/allocation-detail.ts';
import { IgnorableAllocation, notActive } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { componentOwner } from './component-owner.ts';
import { insertTransferContact } from './contacts.ts';
import { requirementCategoryRows, requirementIapsFlags, setIapsFlags } from './iaps.ts';
import { requireTransferReason } from './lookups.ts';
import { prepareReallocation, replaceManager, type ManagerTable } from './manager-period.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import { deliusSequences } from './sequences.ts';

/** Spec §8, R1–R14. */
export async function allocateRequirement(
  context: AllocationContext,
  crn: string,
  detail: RequirementAllocationDetail,
): Promise<Completed<AllocationResult>> {
  const { db, transaction } = context;
  const { Requirement, RequirementManager, RequirementTransfer } = db.models;

  // R1 (A2): gone from Delius is not something a retry can mend, so the allocation is ignored.
  const found = await Requirement.findOne({
    where: { id: detail.requirementId, softDeleted: 0 },
    transaction,
  });
  if (!found)
    throw new IgnorableAllocation('Requirement not found or soft deleted in delius', {
      id: String(detail.requirementId),
    });
  const requirement = found.get({ plain: true });
  const { personId, eventId } = await componentOwner(
    context,
    { label: 'Requirement', ...requirement },
    { crn, eventNumber: detail.eventNumber },
  );
  if (requirement.activeFlag !== 1)
    throw notActive(`Requirement with id of ${requirement.id} not active`, { id: requirement.id });

  const table: ManagerTable = {
    model: RequirementManager,
    sequence: deliusSequences.requirementManager,
    label: 'Requirement Manager',
  };
  const reallocation = await prepareReallocation(context, {
    kind: 'REQUIREMENT',
    detail,
    table,
    ownerId: requirement.id,
    ownerLabel: `requirement ${requirement.id}`,
    transfers: RequirementTransfer,
    async pendingTransferProperties() {
      const { main, sub } = await requirementCategoryRows(context, requirement);
      return {
        eventNumber: String(detail.eventNumber),
        ...(main ? { mainCategory: main.description } : {}),
        ...(sub ? { subCategory: sub.description } : {}),
      };
    },
  });
  if (reallocation.duplicate) {
    return duplicateOf(personId, await requirementIapsFlags(context, requirement));
  }
  const { current, target } = reallocation;

  const transferReasonId = await requireTransferReason(context, 'COMPONENT');
  const { previous, created } = await replaceManager(context, table, current, target, { transferReasonId });
  const contact = await insertTransferContact(context, {
    typeCode: 'ETRC',
    personId,
    eventId,
    requirementId: requirement.id,
    previous,
    created,
  });
  const iaps = await setIapsFlags(context, await requirementIapsFlags(context, requirement));
  return appliedOf(personId, {
    managerId: created.id,
    previousManagerId: previous.id,
    contacts: [contact],
    iaps,
  });
}
