import { Op } from 'sequelize';
import { AppError, conflict, notFound } from '../domain/errors.ts';
import { writeOptions, type AllocationContext } from './allocation-context.ts';
import { displayName, findProvider } from './lookups.ts';
import type { ManagerRow, ResponsibleOfficerRow } from './models/managers.ts';
import { formatDateTime, toSeconds } from './time.ts';
import { deliusSequences } from './sequences.ts';

/**
 * P8: the person's responsible officer becomes the new community manager. The RO active at `createdDate` is
 * ended there first (Delius allows one active RO per person), then the new RO is inserted with the new
 * manager's period. A prison RO is replaced the same way (S3, kept: Workforce allocates the community RO).
 * S9 (kept): for a historic allocation the RO that covered `createdDate` is cut there, which keeps the RO
 * history contiguous in the same way as the manager history.
 */
export async function replaceResponsibleOfficer(
  context: AllocationContext,
  person: { id: number; crn: string },
  manager: ManagerRow,
) {
  const { id: personId, crn } = person;
  const { db, transaction, at } = context;
  const { ResponsibleOfficer } = db.models;
  const start = toSeconds(at);
  const activeRows = await ResponsibleOfficer.findAll({
    where: {
      personId,
      startDate: { [Op.lte]: at },
      [Op.or]: [{ endDate: null }, { endDate: { [Op.gt]: at } }],
    },
    limit: 2,
    transaction,
  });
  // Delius allows one RO at a time; two means its data needs a person to look at it, not a guess (as the original).
  if (activeRows.length > 1)
    throw conflict(
      `Person with crn of ${crn} has ${activeRows.length} responsible officers active at ${at.toISOString().slice(0, 19)}`,
      { personId },
    );
  const active = activeRows[0]?.get({ plain: true });
  let previous: ResponsibleOfficerRow | undefined;
  if (active) {
    const [updated] = await ResponsibleOfficer.update(
      { endDate: start, rowVersion: active.rowVersion + 1, ...context.updated() },
      { where: { id: active.id, rowVersion: active.rowVersion }, ...writeOptions(transaction) },
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
  const created = await ResponsibleOfficer.create(
    {
      id: db.dialect.idForInsert(deliusSequences.responsibleOfficer),
      personId,
      personManagerId: manager.id,
      prisonManagerId: null,
      startDate: start,
      endDate: manager.endDate,
      rowVersion: 0,
      ...context.created(),
    },
    writeOptions(transaction),
  );
  return { previous, created: created.get({ plain: true }) };
}

/** The two lines naming a manager of an RO: its type, and who with their team and provider (P9). */
async function managerLines(
  context: AllocationContext,
  type: 'Offender Manager' | 'Prison Offender Manager',
  manager: { staffId: number; teamId: number; providerId: number } | undefined,
  officerId: number,
): Promise<string> {
  if (!manager)
    throw notFound(`${type} of responsible officer ${officerId} not found`, {
      responsibleOfficerId: officerId,
    });
  const staff = await context.directory.staff(manager.staffId);
  const team = await context.directory.team(manager.teamId);
  const provider = await findProvider(context, manager.providerId);
  return [
    `Responsible Officer Type: ${type}`,
    `Responsible Officer: ${staff ? displayName(staff) : ''}(${team?.description ?? ''},${provider?.description ?? ''})`,
  ].join('\n');
}

/**
 * An RO block of the ROC notes (P9), as the original writes it: the type-and-name lines of each manager it points
 * at (community, then prison), then its dates. The original builds the block by concatenation, so the two
 * managers' lines run together with no line break between them (S12), and an RO that points at neither manager
 * leaves an empty line before its dates. The managers this allocation has just ended and created are not read
 * again.
 */
async function describe(
  context: AllocationContext,
  officer: ResponsibleOfficerRow,
  known: readonly ManagerRow[],
): Promise<string[]> {
  const { db, transaction } = context;
  const { PersonManager, PrisonManager } = db.models;
  let managers = '';
  const { personManagerId, prisonManagerId } = officer;
  if (personManagerId)
    managers += await managerLines(
      context,
      'Offender Manager',
      known.find((manager) => manager.id === personManagerId) ??
        (await PersonManager.findByPk(personManagerId, { transaction }))?.get({ plain: true }),
      officer.id,
    );
  if (prisonManagerId)
    managers += await managerLines(
      context,
      'Prison Offender Manager',
      (await PrisonManager.findByPk(prisonManagerId, { transaction }))?.get({ plain: true }),
      officer.id,
    );
  const lines = [managers, `Start Date: ${formatDateTime(officer.startDate)}`];
  if (officer.endDate) lines.push(`End Date: ${formatDateTime(officer.endDate)}`);
  return lines;
}

/**
 * P9: the ROC contact's notes. When the person had no RO, the original printed the literal word `null`
 * (S4); a Delius user reading the contact would take that for a fault, so the block says so in words.
 */
export async function responsibleOfficerChangeNotes(
  context: AllocationContext,
  officers: { created: ResponsibleOfficerRow; previous: ResponsibleOfficerRow | undefined },
  /** The person managers this allocation ended and created. */
  known: readonly ManagerRow[],
  reasonDescription: string,
): Promise<string> {
  const { created, previous } = officers;
  return [
    'New Details:',
    ...(await describe(context, created, known)),
    'Previous Details:',
    ...(previous ? await describe(context, previous, known) : ['No previous Responsible Officer']),
    `Allocation Reason: ${reasonDescription}`,
  ].join('\n');
}
