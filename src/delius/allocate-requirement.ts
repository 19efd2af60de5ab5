import type { AllocationResult, Completed } from '../domain/outcome.ts';
import type { RequirementAllocationDetail } from '../domain/allocation-detail.ts';
import type { AllocationContext } from './allocation-context.ts';
import { allocateComponent, type ComponentKind } from './allocate-component.ts';
import { requirementCategoryRows, requirementIapsFlags } from './iaps.ts';
import type { Row } from './models/columns.ts';
import type { requirementColumns } from './models/people.ts';
import { deliusSequences } from './sequences.ts';

/** Spec §8, R1–R14: what a requirement is to the component rules. */
export const requirementKind: ComponentKind<Row<typeof requirementColumns>> = {
  kind: 'REQUIREMENT',
  label: 'Requirement',
  notFoundReason: 'Requirement not found or soft deleted in delius',
  async find({ db, transaction }, id) {
    const found = await db.models.Requirement.findOne({ where: { id, softDeleted: 0 }, transaction });
    return found?.get({ plain: true });
  },
  managers: (models) => ({
    model: models.RequirementManager,
    sequence: deliusSequences.requirementManager,
    label: 'Requirement Manager',
  }),
  transfers: (models) => models.RequirementTransfer,
  contactKey: 'requirementId',
  async categories(context, requirement) {
    const { main, sub } = await requirementCategoryRows(context, requirement);
    return {
      ...(main ? { mainCategory: main.description } : {}),
      ...(sub ? { subCategory: sub.description } : {}),
    };
  },
  iapsFlags: requirementIapsFlags,
};

export function allocateRequirement(
  context: AllocationContext,
  crn: string,
  detail: RequirementAllocationDetail,
): Promise<Completed<AllocationResult>> {
  return allocateComponent(context, requirementKind, crn, detail, detail.requirementId);
}
