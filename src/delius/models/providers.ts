import type { Sequelize } from 'sequelize';
import { id, key, optionalDateTime, optionalText, table, text } from './columns.ts';

export const providerColumns = {
  id: id('PROBATION_AREA_ID'),
  code: text('CODE', 3),
  description: text('DESCRIPTION'),
};
export const teamColumns = {
  id: id('TEAM_ID'),
  code: text('CODE', 6),
  providerId: key('PROBATION_AREA_ID'),
  description: text('DESCRIPTION'),
  endDate: optionalDateTime('END_DATE'),
};
export const staffColumns = {
  id: id('STAFF_ID'),
  code: text('OFFICER_CODE', 7),
  forename: text('FORENAME', 35),
  middleName: optionalText('FORENAME2', 35),
  surname: text('SURNAME', 35),
  endDate: optionalDateTime('END_DATE'),
};
export const staffTeamColumns = {
  staffId: key('STAFF_ID', true),
  teamId: key('TEAM_ID', true),
};

export function defineProviders(sequelize: Sequelize) {
  return {
    Provider: table(sequelize, 'PROBATION_AREA', providerColumns),
    Team: table(sequelize, 'TEAM', teamColumns),
    Staff: table(sequelize, 'STAFF', staffColumns),
    StaffTeam: table(sequelize, 'STAFF_TEAM', staffTeamColumns),
  };
}
