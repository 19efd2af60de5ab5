import type { Model } from 'sequelize';
import { notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import type { DeliusDb } from './delius-db.ts';

/*
 * Reference data, read through the process's cache (reference-cache.ts): a miss reads inside the allocation's
 * transaction, as every read of the allocation does; a hit reads nothing.
 */

/** A row kept in the cache as a plain object; `read` runs only on a miss. */
function cachedRow<T extends object, C extends object>(
  db: DeliusDb,
  key: string,
  read: () => Promise<Model<T, C> | null>,
): Promise<T | null> {
  return db.referenceData.get(key, async () => (await read())?.get({ plain: true }) ?? null);
}

/**
 * A code in a reference-data set (r_standard_reference_list within r_reference_data_master). Reference data
 * the rules rely on must be there: a missing dataset or code stops the allocation (not found, dead-lettered
 * with its reason, redriven once Delius has it) and never lets a check pass unchecked.
 */
export async function requireReferenceData(context: AllocationContext, datasetName: string, code: string) {
  const entry = await findReferenceData(context, datasetName, code);
  if (!entry) throw notFound(`${datasetName} with code of ${code} not found`, { dataset: datasetName, code });
  return entry;
}

export async function findReferenceData(
  { db, transaction }: AllocationContext,
  datasetName: string,
  code: string,
) {
  const { Dataset, ReferenceData } = db.models;
  return db.referenceData.get(`reference-data:${datasetName}:${code}`, async () => {
    const dataset = await Dataset.findOne({ where: { name: datasetName }, transaction });
    const entry = dataset
      ? await ReferenceData.findOne({
          where: { datasetId: dataset.get({ plain: true }).id, code },
          transaction,
        })
      : null;
    return entry?.get({ plain: true }) ?? null;
  });
}

export async function requireContactType({ db, transaction }: AllocationContext, code: string) {
  const contactType = await cachedRow(db, `contact-type:${code}`, () =>
    db.models.ContactType.findOne({ where: { code }, transaction }),
  );
  if (!contactType) throw notFound(`Contact type with code of ${code} not found`, { code });
  return contactType;
}

/** E8, R11, L11 */
export async function requireTransferReason({ db, transaction }: AllocationContext, code: string) {
  const reason = await cachedRow(db, `transfer-reason:${code}`, () =>
    db.models.TransferReason.findOne({ where: { code }, transaction }),
  );
  if (!reason) throw notFound(`Transfer reason with code of ${code} not found`, { code });
  return reason.id;
}

/** A provider's description names it in contact notes; providers are reference data to the service. */
export async function findProvider({ db, transaction }: AllocationContext, id: number) {
  return cachedRow(db, `provider:${id}`, () => db.models.Provider.findByPk(id, { transaction }));
}

/** A requirement's main, additional main or sub-category (I1). */
export async function findCategory(
  { db, transaction }: AllocationContext,
  table:
    | 'RequirementMainCategory'
    | 'RequirementAdditionalMainCategory'
    | 'LicenceConditionMainCategory'
    | 'ReferenceData',
  id: number,
): Promise<{ code: string; description: string } | null> {
  const read = {
    RequirementMainCategory: () => db.models.RequirementMainCategory.findByPk(id, { transaction }),
    LicenceConditionMainCategory: () => db.models.LicenceConditionMainCategory.findByPk(id, { transaction }),
    RequirementAdditionalMainCategory: () =>
      db.models.RequirementAdditionalMainCategory.findByPk(id, { transaction }),
    ReferenceData: () => db.models.ReferenceData.findByPk(id, { transaction }),
  }[table];
  return db.referenceData.get(`${table}:${id}`, async () => {
    const row = (await read())?.get({ plain: true });
    return row ? { code: row.code, description: row.description } : null;
  });
}

/**
 * AU5: a business interaction is usable when it has no enabled date or one in the past. The row is cached;
 * the date is compared on every use, so an interaction enabled later is used from its date on.
 */
export async function findBusinessInteraction(db: DeliusDb, code: string, now: Date) {
  const interaction = await cachedRow(db, `business-interaction:${code}`, () =>
    db.models.BusinessInteraction.findOne({ where: { code } }),
  );
  if (!interaction) return null;
  return interaction.enabledDate === null || interaction.enabledDate.getTime() <= now.getTime()
    ? interaction
    : null;
}

/**
 * Forename, middle name if any and surname, single-space separated (C12), as the original joins them: a middle
 * name Delius holds is kept as it is, even one of spaces only ("Gil" " " "Gray" → "Gil   Gray"). An empty one is
 * none, as on Oracle, where the empty string is NULL.
 */
export function displayName(staff: { forename: string; middleName: string | null; surname: string }): string {
  return [staff.forename, staff.middleName, staff.surname]
    .filter((part): part is string => part !== null && part !== '')
    .join(' ');
}
