import { allocationKinds } from '../../src/domain/allocation-detail.ts';
import { allocationReasonCodes, allocationReasonDataset } from '../../src/delius/allocation-reasons.ts';
import type { DeliusModels } from '../../src/delius/models/index.ts';

const reasonDescriptions: Record<string, string> = {
  IN1: 'Initial Allocation',
  INT: 'Initial Allocation',
  RO: 'Allocated to Responsible Officer',
  AR02: 'Caseload Adjustment',
  CTR: 'Change in Tier or Risk',
  AR03: 'Change of Address',
  OA01: 'Change of Address',
  OM: 'Change of Address',
  OFL: 'Officer Left',
  OTH: 'Other',
  RTS: 'Risk to Staff',
  TIN: 'Transfer In',
  RESET: 'Probation Reset',
};

export const auditUserName = 'HMPPSAllocations';

/**
 * The reference data the rules look up (delius-model.md §3), with every code the reason mapping can produce.
 * Ids are small and fixed: generated ids start at 1,000,001, clear of them.
 */
export async function seedReferenceData(models: DeliusModels): Promise<void> {
  let nextId = 1;
  const id = () => nextId++;

  const datasets: Record<string, { code: string; description: string }[]> = {
    'TRANSFER STATUS': [
      { code: 'PN', description: 'Pending' },
      { code: 'AC', description: 'Accepted' },
    ],
    'REQUIREMENT SUB CATEGORY': [
      { code: 'RS66', description: 'Not Specified' },
      { code: 'RS10', description: 'Thinking Skills Programme' },
    ],
    'LICENCE CONDITION SUB CATEGORY': [{ code: 'NST01', description: 'Exclusion zone' }],
  };
  for (const kind of allocationKinds) {
    datasets[allocationReasonDataset[kind]] = allocationReasonCodes(kind).map((code) => ({
      code,
      description: reasonDescriptions[code] ?? code,
    }));
  }
  for (const [name, codes] of Object.entries(datasets)) {
    const datasetId = id();
    await models.Dataset.create({ id: datasetId, name });
    await models.ReferenceData.bulkCreate(codes.map((entry) => ({ id: id(), datasetId, ...entry })));
  }

  await models.TransferReason.bulkCreate(['CASE ORDER', 'COMPONENT'].map((code) => ({ id: id(), code })));
  await models.ContactType.bulkCreate(
    ['ETOM', 'ETOS', 'ETRC', 'ROC', 'SPOD03', 'SPO'].map((code) => ({
      id: id(),
      code,
      sensitive: 'N' as const,
    })),
  );
  await models.BusinessInteraction.bulkCreate(
    ['CABI231', 'CABI041', 'CABI038'].map((code) => ({ id: id(), code, enabledDate: null })),
  );
  await models.RequirementMainCategory.bulkCreate([
    { id: id(), code: '7', description: 'Accredited Programme' },
    { id: id(), code: 'RM38', description: 'Accredited Programme (West Yorkshire)' },
    { id: id(), code: 'W', description: 'Unpaid Work' },
  ]);
  await models.RequirementAdditionalMainCategory.bulkCreate([
    { id: id(), code: '7', description: 'Accredited Programme' },
    { id: id(), code: 'RM38', description: 'Accredited Programme (West Yorkshire)' },
  ]);
  await models.LicenceConditionMainCategory.bulkCreate([
    { id: id(), code: 'NLC5', description: 'Freedom of movement' },
  ]);
  await models.User.create({ id: id(), name: auditUserName });
}
