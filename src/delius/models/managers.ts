import type { Sequelize } from 'sequelize';
import {
  dateTime,
  rowAuditColumns,
  flag,
  id,
  key,
  optionalDateTime,
  optionalKey,
  table,
  type DeliusModel,
  type Row,
} from './columns.ts';

/**
 * The four manager tables share their columns (delius-model.md §1.1) but name the id, owner, staff and team
 * columns differently. Every manager model uses the same attribute names (`id`, `ownerId`, `staffId`,
 * `teamId` …) over its own column names, so one manager-period core serves all four kinds.
 */
function managerColumns(fields: { id: string; owner: string; staff: string; team: string }) {
  return {
    id: id(fields.id),
    ownerId: key(fields.owner),
    staffId: key(fields.staff),
    staffEmployeeId: key('STAFF_EMPLOYEE_ID'),
    teamId: key(fields.team),
    trustProviderTeamId: optionalKey('TRUST_PROVIDER_TEAM_ID'),
    trustProviderFlag: flag('TRUST_PROVIDER_FLAG'),
    allocationDate: dateTime('ALLOCATION_DATE'),
    endDate: optionalDateTime('END_DATE'),
    activeFlag: flag('ACTIVE_FLAG', 1),
    providerId: key('PROBATION_AREA_ID'),
    partitionAreaId: key('PARTITION_AREA_ID'),
    allocationReasonId: key('ALLOCATION_REASON_ID'),
    softDeleted: flag('SOFT_DELETED'),
    ...rowAuditColumns(),
  };
}

const personManagerColumns = managerColumns({
  id: 'OFFENDER_MANAGER_ID',
  owner: 'OFFENDER_ID',
  staff: 'ALLOCATION_STAFF_ID',
  team: 'TEAM_ID',
});
/** Order, requirement and licence-condition managers also record the transfer reason (CASE ORDER / COMPONENT). */
const withTransferReason = <C extends object>(columns: C) => ({
  ...columns,
  transferReasonId: optionalKey('TRANSFER_REASON_ID'),
});
const eventManagerColumns = withTransferReason(
  managerColumns({
    id: 'ORDER_MANAGER_ID',
    owner: 'EVENT_ID',
    staff: 'ALLOCATION_STAFF_ID',
    team: 'ALLOCATION_TEAM_ID',
  }),
);
const requirementManagerColumns = withTransferReason(
  managerColumns({
    id: 'RQMNT_MANAGER_ID',
    owner: 'RQMNT_ID',
    staff: 'ALLOCATED_STAFF_ID',
    team: 'ALLOCATED_TEAM_ID',
  }),
);
const licenceConditionManagerColumns = withTransferReason(
  managerColumns({
    id: 'LIC_CONDITION_MANAGER_ID',
    owner: 'LIC_CONDITION_ID',
    staff: 'ALLOCATED_STAFF_ID',
    team: 'ALLOCATED_TEAM_ID',
  }),
);

/** What the manager-period core sees of any manager table. */
export type ManagerModel = DeliusModel<typeof personManagerColumns>;
export type ManagerRow = Row<typeof personManagerColumns>;
export type ResponsibleOfficerRow = Row<typeof responsibleOfficerColumns>;

export const responsibleOfficerColumns = {
  id: id('RESPONSIBLE_OFFICER_ID'),
  personId: key('OFFENDER_ID'),
  personManagerId: optionalKey('OFFENDER_MANAGER_ID'),
  prisonManagerId: optionalKey('PRISON_OFFENDER_MANAGER_ID'),
  startDate: dateTime('START_DATE'),
  endDate: optionalDateTime('END_DATE'),
  ...rowAuditColumns(),
};
export const prisonManagerColumns = {
  id: id('PRISON_OFFENDER_MANAGER_ID'),
  personId: key('OFFENDER_ID'),
  providerId: key('PROBATION_AREA_ID'),
  teamId: key('ALLOCATION_TEAM_ID'),
  staffId: key('ALLOCATION_STAFF_ID'),
};

export function defineManagers(sequelize: Sequelize) {
  return {
    PersonManager: table(sequelize, 'OFFENDER_MANAGER', personManagerColumns),
    EventManager: table(sequelize, 'ORDER_MANAGER', eventManagerColumns),
    RequirementManager: table(sequelize, 'RQMNT_MANAGER', requirementManagerColumns),
    LicenceConditionManager: table(sequelize, 'LIC_CONDITION_MANAGER', licenceConditionManagerColumns),
    ResponsibleOfficer: table(sequelize, 'RESPONSIBLE_OFFICER', responsibleOfficerColumns),
    PrisonManager: table(sequelize, 'PRISON_OFFENDER_MANAGER', prisonManagerColumns),
  };
}
