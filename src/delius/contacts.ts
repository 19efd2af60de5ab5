import type { ContactWritten } from '../domain/outcome.ts';
import { writeOptions, type AllocationContext } from './allocation-context.ts';
import { displayName, findProvider, requireContactType } from './lookups.ts';
import type { ManagerRow } from './models/managers.ts';
import { formatDate, toDay, toSeconds, type WallClock } from './time.ts';
import { deliusSequences } from './sequences.ts';

export interface ContactRequest {
  readonly typeCode: string;
  readonly personId: number;
  readonly eventId?: number;
  readonly requirementId?: number;
  readonly licenceConditionId?: number;
  readonly startTime: WallClock;
  readonly staffId: number;
  readonly teamId: number;
  readonly providerId: number;
  readonly notes: string | null;
  /** Explicit for SPO contacts; otherwise the contact type's default (SENSITIVE_CONTACT). */
  readonly sensitive?: boolean;
}

/** Contacts are insert-only (delius-model.md §1.7). */
export async function insertContact(
  context: AllocationContext,
  request: ContactRequest,
): Promise<ContactWritten> {
  const { db, transaction } = context;
  const contactType = await requireContactType(context, request.typeCode);
  const startTime = toSeconds(request.startTime);
  const created = await db.models.Contact.create(
    {
      id: db.dialect.idForInsert(deliusSequences.contact),
      personId: request.personId,
      eventId: request.eventId ?? null,
      requirementId: request.requirementId ?? null,
      licenceConditionId: request.licenceConditionId ?? null,
      contactTypeId: contactType.id,
      notes: request.notes,
      date: toDay(startTime),
      startTime,
      staffId: request.staffId,
      staffEmployeeId: request.staffId,
      teamId: request.teamId,
      providerId: request.providerId,
      sensitive: request.sensitive === undefined ? contactType.sensitive : request.sensitive ? 'Y' : 'N',
      trustProviderTeamId: request.teamId,
      trustProviderFlag: 0,
      partitionAreaId: 0,
      softDeleted: 0,
      rowVersion: 0,
      ...context.created(),
    },
    writeOptions(transaction),
  );
  return { type: request.typeCode, id: created.get({ plain: true }).id };
}

/**
 * C12: the transfer contact's notes, one item per line, ending `/` + line break + blank line as Delius's own
 * transfer notes do. `From Trust` names the new provider, which is always the old one (S11: V2 refuses
 * transfers between providers, so the two cannot differ).
 */
export function transferNotes(details: {
  readonly transferDate: WallClock;
  readonly providerDescription: string;
  readonly previousTeamDescription: string;
  readonly previousStaffName: string;
}): string {
  return [
    'Transfer Reason: Internal Transfer',
    `Transfer Date: ${formatDate(details.transferDate)}`,
    `From Trust: ${details.providerDescription}`,
    `From Team: ${details.previousTeamDescription}`,
    `From Officer: ${details.previousStaffName}`,
    '-------------------------------/',
    '',
    '',
  ].join('\n');
}

/** C12: the transfer contact on the new manager, describing the manager it replaces. */
export async function insertTransferContact(
  context: AllocationContext,
  request: {
    readonly typeCode: 'ETOM' | 'ETOS' | 'ETRC';
    readonly personId: number;
    readonly eventId?: number;
    readonly requirementId?: number;
    readonly licenceConditionId?: number;
    readonly previous: ManagerRow;
    readonly created: ManagerRow;
  },
): Promise<ContactWritten> {
  const { previous, created, ...owners } = request;
  const previousStaff = await context.directory.staff(previous.staffId);
  const previousTeam = await context.directory.team(previous.teamId);
  const provider = await findProvider(context, created.providerId);
  return insertContact(context, {
    ...owners,
    staffId: created.staffId,
    teamId: created.teamId,
    providerId: created.providerId,
    startTime: created.allocationDate,
    notes: transferNotes({
      transferDate: created.allocationDate,
      providerDescription: provider?.description ?? '',
      previousTeamDescription: previousTeam?.description ?? '',
      previousStaffName: previousStaff ? displayName(previousStaff) : '',
    }),
  });
}
