import { Op } from 'sequelize';
import type { AllocationDetail, AllocationKind } from '../domain/allocation-detail.ts';
import { AppError, conflict, IgnorableAllocation, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { requireReferenceData } from './lookups.ts';
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

/** C1, C2: the non-deleted row whose period [allocation_date, end_date) contains `at`. */
export async function currentManager(
  context: AllocationContext,
  table: ManagerTable,
  ownerId: number,
  ownerLabel: string,
) {
  const { at, transaction } = context;
  const rows = await table.model.findAll({
    where: {
      ownerId,
      softDeleted: 0,
      allocationDate: { [Op.lte]: at },
      [Op.or]: [{ endDate: null }, { endDate: { [Op.gt]: at } }],
    },
    limit: 2,
    transaction,
  });
  const [row, other] = rows.map((instance) => instance.get({ plain: true }));
  if (!row)
    throw notFound(`${table.label} for ${ownerLabel} at ${at.toISOString().slice(0, 19)} not found`, {
      ownerId,
    });
  if (other)
    throw conflict(`${table.label} for ${ownerLabel} at ${at.toISOString().slice(0, 19)} is ambiguous`, {
      ownerId,
    });
  return row;
}

export type Reallocation =
  | { readonly duplicate: true }
  | { readonly duplicate: false; readonly current: ManagerRow; readonly target: Target };

export interface ReallocationRequest {
  readonly kind: AllocationKind;
  readonly detail: AllocationDetail['detail'];
  readonly table: ManagerTable;
  readonly ownerId: number;
  readonly ownerLabel: string;
  readonly transfers: TransferModel;
  /** Extra properties reported with a pending transfer (R9, L9, E6). */
  readonly pendingTransferProperties?: () => Promise<Record<string, string>>;
}

/**
 * C3, C4, C11, V1–V7 in the order of the rules. Resolves to a duplicate (nothing to write) or to the current
 * manager and the validated target; throws for a conflict, a pending transfer or a failed validation.
 */
export async function prepareReallocation(
  context: AllocationContext,
  request: ReallocationRequest,
): Promise<Reallocation> {
  const { db, transaction, at } = context;
  const current = await currentManager(context, request.table, request.ownerId, request.ownerLabel);

  const staff = await db.models.Staff.findByPk(current.staffId, { transaction });
  const team = await db.models.Team.findByPk(current.teamId, { transaction });
  if (
    staff?.get({ plain: true }).code === request.detail.staffCode &&
    team?.get({ plain: true }).code === request.detail.teamCode
  ) {
    return { duplicate: true };
  }
  if (toSeconds(at).getTime() === toSeconds(current.allocationDate).getTime()) {
    throw conflict('Allocation date conflicts with the current active manager', { managerId: current.id });
  }
  await assertNoPendingTransfer(context, request);
  const target = await validateTarget(context, {
    kind: request.kind,
    detail: request.detail,
    providerId: current.providerId,
  });
  return { duplicate: false, current, target };
}

async function assertNoPendingTransfer(
  context: AllocationContext,
  request: ReallocationRequest,
): Promise<void> {
  // C11 fails closed: without the pending status to compare with, the check cannot be made (requireReferenceData).
  const status = await requireReferenceData(context, 'TRANSFER STATUS', 'PN');
  const pending = await request.transfers.count({
    where: { ownerId: request.ownerId, transferStatusId: status.get({ plain: true }).id, softDeleted: 0 },
    transaction: context.transaction,
  });
  if (pending > 0)
    throw new IgnorableAllocation(
      'Pending transfer exists in Delius',
      (await request.pendingTransferProperties?.()) ?? {},
    );
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
    { where: { id: current.id, rowVersion: current.rowVersion }, transaction },
  );
  if (updated !== 1) {
    throw new AppError('optimistic-lock', `${table.label} ${current.id} was changed by another transaction`, {
      retryable: true,
      context: { managerId: current.id },
    });
  }
  const id = await context.db.dialect.nextId(table.sequence, transaction);
  const created = await table.model.create(
    {
      id,
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
    { transaction },
  );
  return { previous: { ...current, endDate: start }, created: created.get({ plain: true }) };
}
