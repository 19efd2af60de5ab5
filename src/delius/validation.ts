import type { AllocationDetail, AllocationKind } from '../domain/allocation-detail.ts';
import { conflict, IgnorableAllocation, notActive, notFound } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { allocationReasonCode, allocationReasonDataset } from './allocation-reasons.ts';
import type { StaffRow, TeamRow } from './directory.ts';
import { requireReferenceData } from './lookups.ts';

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
    team,
    staff,
  }: {
    kind: AllocationKind;
    detail: AllocationDetail['detail'];
    providerId: number;
    /** The team with the detail's code, as read (undefined: Delius has none). */
    team: TeamRow | undefined;
    /** The staff with the detail's code and whether they are in that team, as read. */
    staff: (StaffRow & { readonly inTargetTeam: boolean }) | undefined;
  },
): Promise<Target> {
  const { at } = context;
  if (!team) throw notFound(`Team with code of ${detail.teamCode} not found`, { teamCode: detail.teamCode });
  if (team.providerId !== providerId) {
    throw new IgnorableAllocation('External transfer not permitted', {
      fromProvider: String(providerId),
      toProvider: String(team.providerId),
    });
  }
  if (team.endDate && team.endDate.getTime() < at.getTime()) {
    throw new IgnorableAllocation('Team is not active', {
      teamCode: team.code,
      endDate: team.endDate.toISOString().slice(0, 10),
    });
  }

  const dataset = allocationReasonDataset[kind];
  const code = allocationReasonCode(kind, detail.allocationReason);
  const reason = await requireReferenceData(context, dataset, code);

  if (!staff)
    throw notFound(`Staff with code of ${detail.staffCode} not found`, { staffCode: detail.staffCode });
  if (staff.endDate && staff.endDate.getTime() < at.getTime()) {
    throw notActive(`Staff with code of ${detail.staffCode} not active`, { staffCode: detail.staffCode });
  }
  if (!staff.inTargetTeam) {
    throw conflict(`Staff ${detail.staffCode} not in Team ${detail.teamCode}`, {
      staffCode: detail.staffCode,
      teamCode: detail.teamCode,
    });
  }
  const { inTargetTeam: _member, ...staffRow } = staff;
  return {
    team,
    staff: staffRow,
    reason: { id: reason.id, code, description: reason.description },
  };
}
