import type { Transaction } from 'sequelize';
import type { DeliusModels } from './models/index.ts';
import type { Row } from './models/columns.ts';
import type { staffColumns, teamColumns } from './models/providers.ts';

export type StaffRow = Row<typeof staffColumns>;
export type TeamRow = Row<typeof teamColumns>;

/**
 * The staff and teams one allocation has read, so that each is read once: the manager-period core reads the
 * current and the target staff and team together (manager-period.ts), and the contact notes and the RO
 * change notes then name them without reading them again. It lives as long as the allocation's transaction,
 * so what it holds is what that transaction saw.
 */
export interface Directory {
  remember(rows: { readonly staff?: readonly StaffRow[]; readonly teams?: readonly TeamRow[] }): void;
  staff(id: number): Promise<StaffRow | undefined>;
  team(id: number): Promise<TeamRow | undefined>;
}

export function directory(models: DeliusModels, transaction: Transaction): Directory {
  const staff = new Map<number, StaffRow>();
  const teams = new Map<number, TeamRow>();
  return {
    remember(rows) {
      for (const row of rows.staff ?? []) staff.set(row.id, row);
      for (const row of rows.teams ?? []) teams.set(row.id, row);
    },
    async staff(id) {
      if (!staff.has(id)) {
        const row = await models.Staff.findByPk(id, { transaction });
        if (row) staff.set(id, row.get({ plain: true }));
      }
      return staff.get(id);
    },
    async team(id) {
      if (!teams.has(id)) {
        const row = await models.Team.findByPk(id, { transaction });
        if (row) teams.set(id, row.get({ plain: true }));
      }
      return teams.get(id);
    },
  };
}
