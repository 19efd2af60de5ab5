import { Op } from 'sequelize';
import { notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';

/**
 * A code in a reference-data set (r_standard_reference_list within r_reference_data_master). Reference data
 * the rules rely on must be there: a missing dataset or code stops the allocation (not found, dead-lettered
 * with its reason, redriven once Delius has it) and never lets a check pass unchecked.
 */
export async function requireReferenceData(
  { db, transaction }: AllocationContext,
  datasetName: string,
  code: string,
) {
  const { Dataset, ReferenceData } = db.models;
  const dataset = await Dataset.findOne({ where: { name: datasetName }, transaction });
  const entry = dataset
    ? await ReferenceData.findOne({
        where: { datasetId: dataset.get({ plain: true }).id, code },
        transaction,
      })
    : null;
  if (!entry) throw notFound(`${datasetName} with code of ${code} not found`, { dataset: datasetName, code });
  return entry;
}

export async function requireContactType(context: AllocationContext, code: string) {
  const contactType = await context.db.models.ContactType.findOne({
    where: { code },
    transaction: context.transaction,
  });
  if (!contactType) throw notFound(`Contact type with code of ${code} not found`, { code });
  return contactType;
}

/** E8, R11, L11 */
export async function requireTransferReason(context: AllocationContext, code: string): Promise<number> {
  const reason = await context.db.models.TransferReason.findOne({
    where: { code },
    transaction: context.transaction,
  });
  if (!reason) throw notFound(`Transfer reason with code of ${code} not found`, { code });
  return reason.get({ plain: true }).id;
}

export async function findStaffByCode({ db, transaction }: AllocationContext, code: string) {
  return db.models.Staff.findOne({ where: { code }, transaction });
}

/** AU5: a business interaction is usable when it has no enabled date or one in the past. */
export async function findBusinessInteraction(
  { db, transaction }: { db: AllocationContext['db']; transaction?: AllocationContext['transaction'] },
  code: string,
  now: Date,
) {
  return db.models.BusinessInteraction.findOne({
    where: { code, [Op.or]: [{ enabledDate: null }, { enabledDate: { [Op.lte]: now } }] },
    transaction,
  });
}

/** Forename, middle name if any and surname, single-space separated (C12). */
export function displayName(staff: { forename: string; middleName: string | null; surname: string }): string {
  return [staff.forename, staff.middleName, staff.surname]
    .filter((part) => part && part.trim() !== '')
    .join(' ');
}
