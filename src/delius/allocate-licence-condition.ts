import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { LicenceConditionAllocationDetail } from '../domain/allocation-detail.ts';
import type { AllocationContext } from './allocation-context.ts';
import { allocateComponent, type ComponentKind } from './allocate-component.ts';
import { findCategory } from './lookups.ts';
import type { Row } from './models/columns.ts';
import type { licenceConditionColumns } from './models/people.ts';
import { deliusSequences } from './sequences.ts';

/**
 * Spec §9, L1–L14: what a licence condition is to the component rules. S7: the original reports a missing
 * licence condition as "Requirement no longer exists"; that reason reaches operators' logs and metrics, so it
 * names the licence condition here. The audit row keeps the original's `requirementId` key, which Delius's
 * audit consumers know for CABI038.
 */
export const licenceConditionKind: ComponentKind<Row<typeof licenceConditionColumns>> = {
  kind: 'LICENCE_CONDITION',
  label: 'Licence Condition',
  notFoundReason: 'Licence condition not found or soft deleted in delius',
  async find({ db, transaction }, id) {
    const found = await db.models.LicenceCondition.findOne({ where: { id, softDeleted: 0 }, transaction });
    return found?.get({ plain: true });
  },
  managers: (models) => ({
    model: models.LicenceConditionManager,
    sequence: deliusSequences.licenceConditionManager,
    label: 'Licence Condition Manager',
  }),
  transfers: (models) => models.LicenceConditionTransfer,
  contactKey: 'licenceConditionId',
  // Read through the reference-data cache, as a requirement's are (they were read uncached).
  async categories(context, condition) {
    const main = await findCategory(context, 'LicenceConditionMainCategory', condition.mainCategoryId);
    const sub = condition.subCategoryId
      ? await findCategory(context, 'ReferenceData', condition.subCategoryId)
      : null;
    return {
      mainCategory: main?.description ?? '',
      ...(sub ? { subCategory: sub.description } : {}),
    };
  },
  // L14: licence conditions set no IAPS flag.
  iapsFlags: () => Promise.resolve([]),
};

export function allocateLicenceCondition(
  context: AllocationContext,
  crn: string,
  detail: LicenceConditionAllocationDetail,
): Promise<Completed<AllocationResult>> {
  return allocateComponent(context, licenceConditionKind, crn, detail, detail.licenceConditionId);
}
