import type { AllocationDetail, AllocationKind } from '../domain/allocation-detail.ts';
import { conflict, IgnorableAllocation, notActive, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { allocationReasonCode, allocationReasonDataset } from './allocation-reasons.ts';
import { findStaffByCode, requireReferenceData } from './lookups.ts';

export interface Target {
  readonly team: {
    readonly id: number;
    readonly code: string;
    readonly description: string;
    readonly providerId: number;
  };
  readonly staff: {
    readonly id: number;
    readonly code: string;
    readonly forename: string;
    readonly middleName: string | null;
    readonly surname: string;
  };
  readonly reason: { readonly id: number; readonly code: string; readonly description: string };
}

/**
 * V1–V7, in order, against the provider of the current manager. External transfers and inactive teams are
 * ignorable (S5: the original's choice, kept: Workforce cannot fix them by retrying, and nothing is lost);
 * everything else is fatal, so an operator sees it on the dead-letter topic.
 */
export async function validateTarget(
  context: AllocationContext,
  {
    kind,
    detail,
    providerId,
  }: { kind: AllocationKind; detail: AllocationDetail['detail']; providerId: number },
): Promise<Target> {
  const { db, transaction, at } = context;
  const team = await db.models.Team.findOne({ where: { code: detail.teamCode }, transaction });
  if (!team) throw notFound(`Team with code of ${detail.teamCode} not found`, { teamCode: detail.teamCode });
  const teamRow = team.get({ plain: true });
  if (teamRow.providerId !== providerId) {
    throw new IgnorableAllocation('External transfer not permitted', {
      fromProvider: String(providerId),
      toProvider: String(teamRow.providerId),
    });
  }
  if (teamRow.endDate && teamRow.endDate.getTime() < at.getTime()) {
    throw new IgnorableAllocation('Team is not active', {
      teamCode: teamRow.code,
      endDate: teamRow.endDate.toISOString().slice(0, 10),
    });
  }

  const dataset = allocationReasonDataset[kind];
  const code = allocationReasonCode(kind, detail.allocationReason);
  const reason = await requireReferenceData(context, dataset, code);

  const staff = await findStaffByCode(context, detail.staffCode);
  if (!staff)
    throw notFound(`Staff with code of ${detail.staffCode} not found`, { staffCode: detail.staffCode });
  const staffRow = staff.get({ plain: true });
  if (staffRow.endDate && staffRow.endDate.getTime() < at.getTime()) {
    throw notActive(`Staff with code of ${detail.staffCode} not active`, { staffCode: detail.staffCode });
  }
  const membership = await db.models.StaffTeam.count({
    where: { staffId: staffRow.id, teamId: teamRow.id },
    transaction,
  });
  if (membership === 0) {
    throw conflict(`Staff ${detail.staffCode} not in Team ${detail.teamCode}`, {
      staffCode: detail.staffCode,
      teamCode: detail.teamCode,
    });
  }
  return {
    team: teamRow,
    staff: staffRow,
    reason: {
      id: reason.get({ plain: true }).id,
      code,
      description: reason.get({ plain: true }).description,
    },
  };
}
