import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { LicenceConditionAllocationDetail } from '../domain/allocation-detail.ts';
import { IgnorableAllocation, notActive } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { componentOwner } from './component-owner.ts';
import { insertTransferContact } from './contacts.ts';
import { requireTransferReason } from './lookups.ts';
import { prepareReallocation, replaceManager, type ManagerTable } from './manager-period.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import { deliusSequences } from './sequences.ts';

/**
 * Spec §9, L1–L14. S7: the original reports a missing licence condition as "Requirement no longer exists";
 * that reason reaches operators' logs and metrics, so it names the licence condition here. The audit row
 * keeps the original's `requirementId` key, which Delius's audit consumers know for CABI038.
 */
export async function allocateLicenceCondition(
  context: AllocationContext,
  crn: string,
  detail: LicenceConditionAllocationDetail,
): Promise<Completed<AllocationResult>> {
  const { db, transaction } = context;
  const {
    LicenceCondition,
    LicenceConditionManager,
    LicenceConditionTransfer,
    LicenceConditionMainCategory,
    ReferenceData,
  } = db.models;

  const found = await LicenceCondition.findOne({
    where: { id: detail.licenceConditionId, softDeleted: 0 },
    transaction,
  });
  if (!found) {
    throw new IgnorableAllocation('Licence condition not found or soft deleted in delius', {
      id: String(detail.licenceConditionId),
    });
  }
  const condition = found.get({ plain: true });
  const { personId, eventId } = await componentOwner(
    context,
    { label: 'Licence Condition', ...condition },
    { crn, eventNumber: detail.eventNumber },
  );
  if (condition.activeFlag !== 1)
    throw notActive(`Licence Condition with id of ${condition.id} not active`, { id: condition.id });

  const table: ManagerTable = {
    model: LicenceConditionManager,
    sequence: deliusSequences.licenceConditionManager,
    label: 'Licence Condition Manager',
  };
  const reallocation = await prepareReallocation(context, {
    kind: 'LICENCE_CONDITION',
    detail,
    table,
    ownerId: condition.id,
    ownerLabel: `licence condition ${condition.id}`,
    transfers: LicenceConditionTransfer,
    async pendingTransferProperties() {
      const main = await LicenceConditionMainCategory.findByPk(condition.mainCategoryId, { transaction });
      const sub = await (condition.subCategoryId
        ? ReferenceData.findByPk(condition.subCategoryId, { transaction })
        : null);
      return {
        eventNumber: String(detail.eventNumber),
        mainCategory: main?.get({ plain: true }).description ?? '',
        ...(sub ? { subCategory: sub.get({ plain: true }).description } : {}),
      };
    },
  });
  if (reallocation.duplicate) return duplicateOf(personId, []);
  const { current, target } = reallocation;

  const transferReasonId = await requireTransferReason(context, 'COMPONENT');
  const { previous, created } = await replaceManager(context, table, current, target, { transferReasonId });
  const contact = await insertTransferContact(context, {
    typeCode: 'ETRC',
    personId,
    eventId,
    licenceConditionId: condition.id,
    previous,
    created,
  });
  // L14: licence conditions set no IAPS flag.
  return appliedOf(personId, {
    managerId: created.id,
    previousManagerId: previous.id,
    contacts: [contact],
    iaps: [],
  });
}
