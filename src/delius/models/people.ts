import type { Sequelize } from 'sequelize';
import { dateTime, flag, id, key, optionalDateTime, optionalKey, table, text } from './columns.ts';

/** The person and their sentence components: read, never written, by allocations. */
export const offenderColumns = {
  id: id('OFFENDER_ID'),
  crn: text('CRN', 7),
  softDeleted: flag('SOFT_DELETED'),
};
export const eventColumns = {
  id: id('EVENT_ID'),
  personId: key('OFFENDER_ID'),
  /** A string in Delius: compared with the detail's integer through its decimal text. */
  eventNumber: text('EVENT_NUMBER', 10),
  activeFlag: flag('ACTIVE_FLAG', 1),
  softDeleted: flag('SOFT_DELETED'),
};
export const disposalColumns = {
  id: id('DISPOSAL_ID'),
  eventId: key('EVENT_ID'),
  activeFlag: flag('ACTIVE_FLAG', 1),
  softDeleted: flag('SOFT_DELETED'),
};
export const requirementColumns = {
  id: id('RQMNT_ID'),
  personId: key('OFFENDER_ID'),
  disposalId: key('DISPOSAL_ID'),
  mainCategoryId: optionalKey('RQMNT_TYPE_MAIN_CATEGORY_ID'),
  additionalMainCategoryId: optionalKey('AD_RQMNT_TYPE_MAIN_CATEGORY_ID'),
  /** → r_standard_reference_list (dataset REQUIREMENT SUB CATEGORY) */
  subCategoryId: optionalKey('RQMNT_TYPE_SUB_CATEGORY_ID'),
  activeFlag: flag('ACTIVE_FLAG', 1),
  softDeleted: flag('SOFT_DELETED'),
};
export const licenceConditionColumns = {
  id: id('LIC_CONDITION_ID'),
  personId: key('OFFENDER_ID'),
  disposalId: key('DISPOSAL_ID'),
  mainCategoryId: key('LIC_COND_TYPE_MAIN_CAT_ID'),
  /** → r_standard_reference_list */
  subCategoryId: optionalKey('LIC_COND_TYPE_SUB_CAT_ID'),
  startDate: dateTime('START_DATE'),
  commencementDate: optionalDateTime('COMMENCEMENT_DATE'),
  terminationDate: optionalDateTime('TERMINATION_DATE'),
  activeFlag: flag('ACTIVE_FLAG', 1),
  softDeleted: flag('SOFT_DELETED'),
};

export function definePeople(sequelize: Sequelize) {
  return {
    Offender: table(sequelize, 'OFFENDER', offenderColumns),
    Event: table(sequelize, 'EVENT', eventColumns),
    Disposal: table(sequelize, 'DISPOSAL', disposalColumns),
    Requirement: table(sequelize, 'RQMNT', requirementColumns),
    LicenceCondition: table(sequelize, 'LIC_CONDITION', licenceConditionColumns),
  };
}
