import type { IapsFlag } from '../domain/outcome.ts';
import { Op } from 'sequelize';
import { writeOptions, type AllocationContext } from './allocation-context.ts';
import { findCategory } from './lookups.ts';
import { selectOf } from './subqueries.ts';

/** The category codes that decide whether a requirement is an accredited programme. */
export interface RequirementCategories {
  readonly main: string | null;
  readonly additional: string | null;
  readonly sub: string | null;
}

/**
 * I1: main category RM38; or main category 7 unless its sub-category is RS66 ("not specified"); or an
 * additional main category of 7 or RM38, whatever the sub-category.
 */
export function isAccreditedProgramme({ main, additional, sub }: RequirementCategories): boolean {
  if (main === 'RM38') return true;
  if (main === '7' && sub !== 'RS66') return true;
  return additional === '7' || additional === 'RM38';
}

type RequirementRow = {
  mainCategoryId: number | null;
  additionalMainCategoryId: number | null;
  subCategoryId: number | null;
};

interface Category {
  readonly code: string;
  readonly description: string;
}

/** A requirement's main, additional main and sub-category, as code and description (null where it has none). */
export async function requirementCategoryRows(
  context: AllocationContext,
  requirement: RequirementRow,
): Promise<{ main: Category | null; additional: Category | null; sub: Category | null }> {
  const { mainCategoryId, additionalMainCategoryId, subCategoryId } = requirement;
  return {
    main: mainCategoryId ? await findCategory(context, 'RequirementMainCategory', mainCategoryId) : null,
    additional: additionalMainCategoryId
      ? await findCategory(context, 'RequirementAdditionalMainCategory', additionalMainCategoryId)
      : null,
    sub: subCategoryId ? await findCategory(context, 'ReferenceData', subCategoryId) : null,
  };
}

/** A requirement's category codes, for I1. */
export async function requirementCategories(
  context: AllocationContext,
  requirement: RequirementRow,
): Promise<RequirementCategories> {
  const { main, additional, sub } = await requirementCategoryRows(context, requirement);
  return { main: main?.code ?? null, additional: additional?.code ?? null, sub: sub?.code ?? null };
}

async function anyAccreditedProgramme(
  context: AllocationContext,
  requirements: readonly RequirementRow[],
): Promise<boolean> {
  for (const requirement of requirements) {
    if (isAccreditedProgramme(await requirementCategories(context, requirement))) return true;
  }
  return false;
}

/*
 * The flags an allocation implies, read without writing: the applied path sets them; a duplicate reports them
 * too, so the pipeline re-emits IAPS events that a crash between commit and publish would otherwise lose.
 */

/** I3: every requirement of the person counts, whatever its state (the original's query, kept). */
export async function personIapsFlags(context: AllocationContext, personId: number): Promise<IapsFlag[]> {
  const requirements = await context.db.models.Requirement.findAll({
    where: { personId },
    transaction: context.transaction,
  });
  const rows = requirements.map((row) => row.get({ plain: true }));
  return (await anyAccreditedProgramme(context, rows)) ? [{ table: 'IAPS_OFFENDER', id: personId }] : [];
}

/** I4: the event's active, non-deleted requirements. */
export async function eventIapsFlags(context: AllocationContext, eventId: number): Promise<IapsFlag[]> {
  const { Disposal, Requirement } = context.db.models;
  const requirements = await Requirement.findAll({
    where: {
      disposalId: { [Op.in]: selectOf(Disposal, 'id', { eventId }) },
      activeFlag: 1,
      softDeleted: 0,
    },
    transaction: context.transaction,
  });
  const rows = requirements.map((row) => row.get({ plain: true }));
  return (await anyAccreditedProgramme(context, rows)) ? [{ table: 'IAPS_EVENT', id: eventId }] : [];
}

/** I5: the allocated requirement itself. */
export async function requirementIapsFlags(
  context: AllocationContext,
  requirement: RequirementRow & { id: number },
): Promise<IapsFlag[]> {
  return isAccreditedProgramme(await requirementCategories(context, requirement))
    ? [{ table: 'IAPS_RQMNT', id: requirement.id }]
    : [];
}

/**
 * I6: insert (id, 1) or set the flag to 1; never cleared. The original used MERGE; Sequelize renders an upsert
 * as INSERT … ON CONFLICT (PostgreSQL) and as UPDATE-then-INSERT in one PL/SQL block (Oracle). Two
 * allocations inserting the same flag at once: the loser's unique violation is retryable, and the retry updates.
 */
export async function setIapsFlags(
  context: AllocationContext,
  flags: readonly IapsFlag[],
): Promise<readonly IapsFlag[]> {
  const { IapsPerson, IapsEvent, IapsRequirement } = context.db.models;
  for (const { table, id } of flags) {
    const model = { IAPS_OFFENDER: IapsPerson, IAPS_EVENT: IapsEvent, IAPS_RQMNT: IapsRequirement }[table];
    await model.upsert({ id, iapsFlag: 1 }, writeOptions(context.transaction));
  }
  return flags;
}
