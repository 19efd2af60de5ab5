import { Op } from 'sequelize';
import type { AllocationDetail, AllocationKind } from '../domain/allocation-detail.ts';
import { AppError, conflict, IgnorableAllocation, notFound } from '../domain/errors.ts';
import { writeOptions, type AllocationContext } from './allocation-context.ts';
import type { StaffRow, TeamRow } from './directory.ts';
import { countOf, selectOf } from './subqueries.ts';
import type { ManagerModel, ManagerRow } from './models/managers.ts';
import type { TransferModel } from './models/transfers.ts';
import { toSeconds } from './time.ts';
import { validateTarget, type Target } from './validation.ts';

/**
 * The manager-period core shared by the four kinds (rules §5): who manages the owner at `createdDate`, whether
 * the allocation is a duplicate, a conflict or blocked by a pending transfer, and the end-and-insert that cuts
 * the current period at `createdDate` so the history stays contiguous, also for historic allocations.
 */
export interface ManagerTable {
  readonly model: ManagerModel;
  /** The Delius sequence for new rows' ids. */
  readonly sequence: string;
  /** Words for messages: "Person Manager", "Order Manager" … */
  readonly label: string;
}

/**
 * C1, C2: the non-deleted row whose period [allocation_date, end_date) contains `at`; and C11's count of the
 * owner's live transfers whose status is coded PN. By code, as the original counts them, whichever dataset the
 * status row sits in: where Delius has no status coded PN, no transfer is pending.
 */
async function currentManager(
  context: AllocationContext,
  request: ReallocationRequest,
): Promise<{ current: ManagerRow; pendingTransfers: number }> {
  const { at, transaction } = context;
  const { table, ownerId, ownerLabel, transfers } = request;
  // C11's count rides on this read (one round trip fewer); it is only looked at once C3 and C4 have passed.
  const pendingStatuses = selectOf(context.db.models.ReferenceData, 'id', { code: 'PN' });
  const pending = [
    countOf(transfers, {
      ownerId: { outer: table.model, attribute: 'ownerId' },
      transferStatusId: { anyOf: pendingStatuses },
      softDeleted: 0,
    }),
    'pendingTransfers',
  ] as const;
  const rows = await table.model.findAll({
    attributes: { include: [pending] },
    where: {
      ownerId,
      softDeleted: 0,
      allocationDate: { [Op.lte]: at },
      [Op.or]: [{ endDate: null }, { endDate: { [Op.gt]: at } }],
    },
    limit: 2,
    transaction,
  });
  const [row, other] = rows;
  if (!row)
    throw notFound(`${table.label} for ${ownerLabel} at ${at.toISOString().slice(0, 19)} not found`, {
      ownerId,
    });
  if (other)
    throw conflict(`${table.label} for ${ownerLabel} at ${at.toISOString().slice(0, 19)} is ambiguous`, {
      ownerId,
    });
  const { pendingTransfers, ...current } = row.get({ plain: true }) as ManagerRow & {
    pendingTransfers?: unknown;
  };
  return { current, pendingTransfers: Number(pendingTransfers ?? 0) };
}

/**
 * The current and the target staff and teams in one read each (the target by code, the current by id), with
 * the target staff's membership of the target team (V7) read alongside. The directory keeps them for the notes.
 */
async function readCandidates(
  context: AllocationContext,
  current: ManagerRow,
  staffCodes: readonly string[],
  teamCode: string,
): Promise<Candidates> {
  const { db, transaction } = context;
  const { Staff, StaffTeam, Team } = db.models;
  const teams = (
    await Team.findAll({ where: { [Op.or]: [{ code: teamCode }, { id: current.teamId }] }, transaction })
  ).map((row) => row.get({ plain: true }));
  const targetTeam = teams.find((team) => team.code === teamCode);
  const staff = (
    await Staff.findAll({
      attributes: {
        include: [
          [
            countOf(StaffTeam, { staffId: { outer: Staff, attribute: 'id' }, teamId: targetTeam?.id ?? -1 }),
            'targetTeamMemberships',
          ],
        ],
      },
      where: { [Op.or]: [{ code: [...staffCodes] }, { id: current.staffId }] },
      transaction,
    })
  ).map((row) => {
    const { targetTeamMemberships, ...plain } = row.get({ plain: true }) as StaffRow & {
      targetTeamMemberships?: unknown;
    };
    return { ...plain, inTargetTeam: Number(targetTeamMemberships ?? 0) > 0 };
  });
  context.directory.remember({ staff, teams });
  return {
    currentStaff: staff.find((row) => row.id === current.staffId),
    currentTeam: teams.find((row) => row.id === current.teamId),
    targetTeam,
    staffByCode: (code) => staff.find((row) => row.code === code),
  };
}

export interface Candidates {
  readonly currentStaff: StaffRow | undefined;
  readonly currentTeam: TeamRow | undefined;
  readonly targetTeam: TeamRow | undefined;
  staffByCode(code: string): (StaffRow & { readonly inTargetTeam: boolean }) | undefined;
}

export type Reallocation =
  | { readonly duplicate: true }
  | {
      readonly duplicate: false;
      readonly current: ManagerRow;
      readonly target: Target;
      readonly candidates: Candidates;
    };

export interface ReallocationRequest {
  readonly kind: AllocationKind;
  readonly detail: AllocationDetail['detail'];
  readonly table: ManagerTable;
  readonly ownerId: number;
  readonly ownerLabel: string;
  readonly transfers: TransferModel;
  /** Other staff the kind names (the EVENT's SPO), read with the target staff. */
  readonly otherStaffCodes?: readonly string[];
  /** Extra properties reported with a pending transfer (R9, L9, E6). */
  readonly pendingTransferProperties?: () => Promise<Record<string, string>>;
}

/**
 * C3, C4, C11, V1–V7 in the order of the rules. Resolves to a duplicate (nothing to write) or to the current
 * manager and the validated target; throws for a conflict, a pending transfer or a failed validation. What the
 * rules check is read up front in as few statements as it takes, and checked in the rules' order.
 */
export async function prepareReallocation(
  context: AllocationContext,
  request: ReallocationRequest,
): Promise<Reallocation> {
  const { at } = context;
  const { detail } = request;
  const { current, pendingTransfers } = await currentManager(context, request);
  const candidates = await readCandidates(
    context,
    current,
    [detail.staffCode, ...(request.otherStaffCodes ?? [])],
    detail.teamCode,
  );
  if (
    candidates.currentStaff?.code === detail.staffCode &&
    candidates.currentTeam?.code === detail.teamCode
  ) {
    return { duplicate: true };
  }
  if (toSeconds(at).getTime() === toSeconds(current.allocationDate).getTime()) {
    throw conflict('Allocation date conflicts with the current active manager', { managerId: current.id });
  }
  if (pendingTransfers > 0) {
    // P5: the newest original raises a conflict for a person (the message is dead-lettered, to be redriven once
    // the transfer is settled) and ignores the other kinds (E6, R9, L9).
    if (request.kind === 'PERSON' && 'crn' in detail)
      throw conflict(`Pending transfer exists for this person: ${detail.crn}`, { ownerId: current.ownerId });
    throw new IgnorableAllocation(
      'Pending transfer exists in Delius',
      (await request.pendingTransferProperties?.()) ?? {},
    );
  }
  const target = await validateTarget(context, {
    kind: request.kind,
    detail,
    providerId: current.providerId,
    team: candidates.targetTeam,
    staff: candidates.staffByCode(detail.staffCode),
  });
  return { duplicate: false, current, target, candidates };
}

/** C8: a period is active while it has no end or ends after now. */
function activeFlag(endDate: Date | null, now: Date): number {
  return endDate === null || endDate.getTime() > now.getTime() ? 1 : 0;
}

/**
 * C5–C10: the new manager takes [createdDate, current's end), the current one ends at createdDate. The
 * current row's update is checked against its row_version: a concurrent allocation that changed it first
 * makes this one fail as retryable, so two writers can never leave two open-ended managers.
 */
export async function replaceManager(
  context: AllocationContext,
  table: ManagerTable,
  current: ManagerRow,
  target: Target,
  extraColumns: Record<string, unknown> = {},
): Promise<{ previous: ManagerRow; created: ManagerRow }> {
  const { transaction } = context;
  const start = toSeconds(context.at);
  const now = context.now();
  const [updated] = await table.model.update(
    {
      endDate: start,
      activeFlag: activeFlag(start, now),
      rowVersion: current.rowVersion + 1,
      ...context.updated(),
    },
    { where: { id: current.id, rowVersion: current.rowVersion }, ...writeOptions(transaction) },
  );
  if (updated !== 1) {
    throw new AppError('optimistic-lock', `${table.label} ${current.id} was changed by another transaction`, {
      retryable: true,
      context: { managerId: current.id },
    });
  }
  const created = await table.model.create(
    {
      id: context.db.dialect.idForInsert(table.sequence),
      ownerId: current.ownerId,
      staffId: target.staff.id,
      staffEmployeeId: target.staff.id,
      teamId: target.team.id,
      trustProviderTeamId: target.team.id,
      trustProviderFlag: 0,
      allocationDate: start,
      endDate: current.endDate,
      activeFlag: activeFlag(current.endDate, now),
      providerId: current.providerId,
      partitionAreaId: current.partitionAreaId,
      allocationReasonId: target.reason.id,
      softDeleted: 0,
      rowVersion: 0,
      ...context.created(),
      ...extraColumns,
    },
    writeOptions(transaction),
  );
  return { previous: { ...current, endDate: start }, created: created.get({ plain: true }) };
}
