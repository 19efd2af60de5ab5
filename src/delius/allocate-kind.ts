import type { AllocationKind } from '../domain/allocation-detail.ts';
import type {
  AllocationResult,
  AppliedChanges,
  Completed,
  ContactWritten,
  IapsFlag,
} from '../domain/outcome.ts';
import type { AllocationContext } from './allocation-context.ts';
import { setIapsFlags } from './iaps.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import { requireTransferReason } from './lookups.ts';
import {
  prepareReallocation,
  replaceManager,
  type Candidates,
  type ManagerTable,
  type ReallocationRequest,
} from './manager-period.ts';
import type { ManagerRow } from './models/managers.ts';
import type { Target } from './validation.ts';
import type { DeliusModels } from './models/index.ts';
import type { TransferModel } from './models/transfers.ts';

/** What an allocation is of, as its kind finds it: what its managers hang off, and whose it is. */
export interface Located {
  readonly ownerId: number;
  readonly personId: number;
  /** How rules and errors name it: `crn X123456`, `event 1 of crn X123456`, `requirement 9001`. */
  readonly ownerLabel: string;
}

/** The managers an allocation replaced, for what a kind writes besides. */
export interface Replaced {
  readonly previous: ManagerRow;
  readonly created: ManagerRow;
  readonly target: Target;
}

/** What a kind wrote besides its manager: its contacts and, for a person, its responsible officers. */
export interface Written {
  readonly contacts: readonly ContactWritten[];
  readonly changes?: Pick<AppliedChanges, 'responsibleOfficerId' | 'previousResponsibleOfficerId'>;
}

/**
 * One allocation kind, declared as data: how it finds what is allocated, where its managers and transfers
 * live, what it checks and writes besides, and which IAPS flags it sets. `allocateKind` is the one set of
 * rules all four follow (spec §5, then each kind's section).
 */
export interface KindRules<Detail extends ReallocationRequest['detail'], Found extends Located, Prepared> {
  readonly kind: AllocationKind;
  /** Finds what is allocated, throwing what its rules say when it is missing or not active. */
  readonly locate: (context: AllocationContext, detail: Detail) => Promise<Found>;
  readonly managers: (models: DeliusModels) => ManagerTable;
  readonly transfers: (models: DeliusModels) => TransferModel;
  /** Other staff it names (the event's SPO), read with the target staff. */
  readonly otherStaffCodes?: (detail: Detail) => readonly string[];
  /** What a pending transfer is reported with (E6, R9, L9). */
  readonly pendingTransferProperties?: (
    context: AllocationContext,
    found: Found,
    detail: Detail,
  ) => Promise<Record<string, string>>;
  /** The transfer reason its new manager records (none for a person). */
  readonly transferReason?: 'CASE ORDER' | 'COMPONENT';
  /** Checks made before anything is written, with the staff the reallocation read (the event's SPO). */
  readonly prepare: (detail: Detail, candidates: Candidates) => Prepared;
  /** What it writes once the manager is replaced. */
  readonly write: (
    context: AllocationContext,
    found: Found,
    detail: Detail,
    replaced: Replaced,
    prepared: Prepared,
  ) => Promise<Written>;
  /** The IAPS flags an allocation implies (on a duplicate too, to publish them again). */
  readonly iapsFlags: (context: AllocationContext, found: Found) => Promise<IapsFlag[]>;
}

export async function allocateKind<
  Detail extends ReallocationRequest['detail'],
  Found extends Located,
  Prepared,
>(
  context: AllocationContext,
  rules: KindRules<Detail, Found, Prepared>,
  detail: Detail,
): Promise<Completed<AllocationResult>> {
  const { models } = context.db;
  const found = await rules.locate(context, detail);
  const table = rules.managers(models);
  const reallocation = await prepareReallocation(context, {
    kind: rules.kind,
    detail,
    table,
    ownerId: found.ownerId,
    ownerLabel: found.ownerLabel,
    transfers: rules.transfers(models),
    ...(rules.otherStaffCodes ? { otherStaffCodes: rules.otherStaffCodes(detail) } : {}),
    ...(rules.pendingTransferProperties
      ? {
          pendingTransferProperties: () =>
            rules.pendingTransferProperties?.(context, found, detail) ?? Promise.resolve({}),
        }
      : {}),
  });
  if (reallocation.duplicate) return duplicateOf(found.personId, await rules.iapsFlags(context, found));
  const { current, target, candidates } = reallocation;

  const transferReasonId = rules.transferReason
    ? await requireTransferReason(context, rules.transferReason)
    : undefined;
  const prepared = rules.prepare(detail, candidates);
  const { previous, created } = await replaceManager(
    context,
    table,
    current,
    target,
    transferReasonId === undefined ? {} : { transferReasonId },
  );
  const written = await rules.write(context, found, detail, { previous, created, target }, prepared);
  const iaps = await setIapsFlags(context, await rules.iapsFlags(context, found));
  return appliedOf(found.personId, {
    managerId: created.id,
    previousManagerId: previous.id,
    ...written.changes,
    contacts: [...written.contacts],
    iaps,
  });
}
