import type { Sequelize } from 'sequelize';
import { id, key, optionalDateTime, table, text, yesNo } from './columns.ts';

export const referenceDataColumns = {
  id: id('STANDARD_REFERENCE_LIST_ID'),
  code: text('CODE_VALUE', 100),
  description: text('CODE_DESCRIPTION', 500),
  datasetId: key('REFERENCE_DATA_MASTER_ID'),
};
export const datasetColumns = { id: id('REFERENCE_DATA_MASTER_ID'), name: text('CODE_SET_NAME', 100) };
export const transferReasonColumns = { id: id('TRANSFER_REASON_ID'), code: text('CODE', 100) };
export const contactTypeColumns = {
  id: id('CONTACT_TYPE_ID'),
  code: text('CODE', 10),
  sensitive: yesNo('SENSITIVE_CONTACT'),
};
export const businessInteractionColumns = {
  id: id('BUSINESS_INTERACTION_ID'),
  code: text('BUSINESS_INTERACTION_CODE', 10),
  enabledDate: optionalDateTime('ENABLED_DATE'),
};
export const userColumns = { id: id('USER_ID'), name: text('DISTINGUISHED_NAME') };
const categoryColumns = (idField: string) => ({
  id: id(idField),
  code: text('CODE', 20),
  description: text('DESCRIPTION'),
});

export function defineReferenceData(sequelize: Sequelize) {
  return {
    ReferenceData: table(sequelize, 'R_STANDARD_REFERENCE_LIST', referenceDataColumns),
    Dataset: table(sequelize, 'R_REFERENCE_DATA_MASTER', datasetColumns),
    TransferReason: table(sequelize, 'R_TRANSFER_REASON', transferReasonColumns),
    ContactType: table(sequelize, 'R_CONTACT_TYPE', contactTypeColumns),
    BusinessInteraction: table(sequelize, 'BUSINESS_INTERACTION', businessInteractionColumns),
    User: table(sequelize, 'USER_', userColumns),
    RequirementMainCategory: table(
      sequelize,
      'R_RQMNT_TYPE_MAIN_CATEGORY',
      categoryColumns('RQMNT_TYPE_MAIN_CATEGORY_ID'),
    ),
    RequirementAdditionalMainCategory: table(
      sequelize,
      'R_AD_RQMNT_TYPE_MAIN_CATEGORY',
      categoryColumns('AD_RQMNT_TYPE_MAIN_CATEGORY_ID'),
    ),
    LicenceConditionMainCategory: table(
      sequelize,
      'R_LIC_COND_TYPE_MAIN_CAT',
      categoryColumns('LIC_COND_TYPE_MAIN_CAT_ID'),
    ),
  };
}
