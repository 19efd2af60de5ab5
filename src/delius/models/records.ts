import type { Sequelize } from 'sequelize';
import {
  clob,
  dateTime,
  flag,
  id,
  key,
  optionalKey,
  rowAuditColumns,
  table,
  timestamp,
  optionalText,
  text,
  yesNo,
} from './columns.ts';

/** Insert-only records the service leaves behind: contacts, audit rows, IAPS flags. */
export const contactColumns = {
  id: id('CONTACT_ID'),
  personId: key('OFFENDER_ID'),
  eventId: optionalKey('EVENT_ID'),
  requirementId: optionalKey('RQMNT_ID'),
  licenceConditionId: optionalKey('LIC_CONDITION_ID'),
  contactTypeId: key('CONTACT_TYPE_ID'),
  notes: clob('NOTES'),
  date: dateTime('CONTACT_DATE'),
  startTime: dateTime('CONTACT_START_TIME'),
  staffId: key('STAFF_ID'),
  staffEmployeeId: key('STAFF_EMPLOYEE_ID'),
  teamId: key('TEAM_ID'),
  providerId: key('PROBATION_AREA_ID'),
  sensitive: yesNo('SENSITIVE'),
  trustProviderTeamId: key('TRUST_PROVIDER_TEAM_ID'),
  trustProviderFlag: flag('TRUST_PROVIDER_FLAG'),
  partitionAreaId: key('PARTITION_AREA_ID'),
  softDeleted: flag('SOFT_DELETED'),
  ...rowAuditColumns(),
};
export const auditedInteractionColumns = {
  dateTime: timestamp('DATE_TIME', true),
  businessInteractionId: key('BUSINESS_INTERACTION_ID', true),
  userId: key('USER_ID', true),
  outcome: text('OUTCOME', 1),
  // Nullable, as in Delius: none is written as the empty string, which Oracle stores as NULL.
  parameters: optionalText('INTERACTION_PARAMETERS', 500),
};
const iapsColumns = (keyField: string) => ({ id: id(keyField), iapsFlag: flag('IAPS_FLAG', 1) });

export function defineRecords(sequelize: Sequelize) {
  return {
    Contact: table(sequelize, 'CONTACT', contactColumns),
    AuditedInteraction: table(sequelize, 'AUDITED_INTERACTION', auditedInteractionColumns),
    IapsPerson: table(sequelize, 'IAPS_OFFENDER', iapsColumns('OFFENDER_ID')),
    IapsEvent: table(sequelize, 'IAPS_EVENT', iapsColumns('EVENT_ID')),
    IapsRequirement: table(sequelize, 'IAPS_RQMNT', iapsColumns('RQMNT_ID')),
    IapsLicenceCondition: table(sequelize, 'IAPS_LIC_CONDITION', iapsColumns('LIC_CONDITION_ID')),
  };
}
