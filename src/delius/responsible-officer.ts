import { Op } from 'sequelize';
import { AppError, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { displayName } from './lookups.ts';
import type { ManagerRow, ResponsibleOfficerRow } from './models/managers.ts';
import { formatDateTime, toSeconds } from './time.ts';

/**
 * P8: the person's responsible officer becomes the new community manager. The RO active at `createdDate` is
 * ended there first (Delius allows one active RO per person), then the new RO is inserted with the new
 * manager's period. A prison RO is replaced the same way (S3, kept: Workforce allocates the community RO).
 * S9 (kept): for a historic allocation the RO that covered `createdDate` is cut there, which keeps the RO
 * history contiguous in the same way as the manager history.
 */
export async function replaceResponsibleOfficer(
  context: AllocationContext,
  personId: number,
  manager: ManagerRow,
) {
  const { db, transaction, at } = context;
  const { ResponsibleOfficer } = db.models;
  const start = toSeconds(at);
  const activeRows = await ResponsibleOfficer.findAll({
    where: {
      personId,
      startDate: { [Op.lte]: at },
      [Op.or]: [{ endDate: null }, { endDate: { [Op.gt]: at } }],
    },
    limit: 1,
    transaction,
  });
  const active = activeRows[0]?.get({ plain: true });
  let previous: ResponsibleOfficerRow | undefined;
  if (active) {
    const [updated] = await ResponsibleOfficer.update(
      { endDate: start, rowVersion: active.rowVersion + 1, ...context.updated() },
      { where: { id: active.id, rowVersion: active.rowVersion }, transaction },
    );
    if (updated !== 1) {
      throw new AppError(
        'optimistic-lock',
        `Responsible officer ${active.id} was changed by another transaction`,
        { retryable: true },
      );
    }
    previous = { ...active, endDate: start };
  }
  const id = await db.dialect.nextId('RESPONSIBLE_OFFICER_ID_SEQ', transaction);
  const created = await ResponsibleOfficer.create(
    {
      id,
      personId,
      personManagerId: manager.id,
      prisonManagerId: null,
      startDate: start,
      endDate: manager.endDate,
      rowVersion: 0,
      ...context.created(),
    },
    { transaction },
  );
  return { previous, created: created.get({ plain: true }) };
}

/** An RO block of the ROC notes (P9). */
async function describe(context: AllocationContext, officer: ResponsibleOfficerRow): Promise<string[]> {
  const { db, transaction } = context;
  const { PersonManager, PrisonManager, Staff, Team, Provider } = db.models;
  const manager = officer.prisonManagerId
    ? (await PrisonManager.findByPk(officer.prisonManagerId, { transaction }))?.get({ plain: true })
    : officer.personManagerId
      ? (await PersonManager.findByPk(officer.personManagerId, { transaction }))?.get({ plain: true })
      : undefined;
  if (!manager)
    throw notFound(`Manager of responsible officer ${officer.id} not found`, {
      responsibleOfficerId: officer.id,
    });
  const staff = await Staff.findByPk(manager.staffId, { transaction });
  const team = await Team.findByPk(manager.teamId, { transaction });
  const provider = await Provider.findByPk(manager.providerId, { transaction });
  const lines = [
    `Responsible Officer Type: ${officer.prisonManagerId ? 'Prison Offender Manager' : 'Offender Manager'}`,
    `Responsible Officer: ${staff ? displayName(staff.get({ plain: true })) : ''}(${team?.get({ plain: true }).description ?? ''},${provider?.get({ plain: true }).description ?? ''})`,
    `Start Date: ${formatDateTime(officer.startDate)}`,
  ];
  if (officer.endDate) lines.push(`End Date: ${formatDateTime(officer.endDate)}`);
  return lines;
}

/**
 * P9: the ROC contact's notes. When the person had no RO, the original printed the literal word `null`
 * (S4); a Delius user reading the contact would take that for a fault, so the block says so in words.
 */
export async function responsibleOfficerChangeNotes(
  context: AllocationContext,
  created: ResponsibleOfficerRow,
  previous: ResponsibleOfficerRow | undefined,
  reasonDescription: string,
): Promise<string> {
  return [
    'New Details:',
    ...(await describe(context, created)),
    'Previous Details:',
    ...(previous ? await describe(context, previous) : ['No previous Responsible Officer']),
    `Allocation Reason: ${reasonDescription}`,
  ].join('\n');
}
