import type { AllocationResult, Completed, IapsFlag } from '../domain/outcome.ts';
import { IgnorableAllocation, notActive } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { componentOwner } from './component-owner.ts';
import { insertTransferContact } from './contacts.ts';
import { setIapsFlags } from './iaps.ts';
import { requireTransferReason } from './lookups.ts';
import { prepareReallocation, replaceManager, type ManagerTable } from './manager-period.ts';
import { appliedOf, duplicateOf } from './kind-result.ts';
import type { DeliusModels } from './models/index.ts';
import type { TransferModel } from './models/transfers.ts';
import type {
  LicenceConditionAllocationDetail,
  RequirementAllocationDetail,
} from '../domain/allocation-detail.ts';

/** The columns of a requirement or licence condition that every rule of its kind reads. */
export interface ComponentRow {
  readonly id: number;
  readonly personId: number;
  readonly disposalId: number;
  readonly activeFlag: number;
}

/**
 * What one component kind (a requirement, a licence condition) is, declared as data: where its rows and its
 * managers live, what it is called in reasons and contacts, how its categories read in a pending transfer's
 * properties, and which IAPS flags it sets. `allocateComponent` is the one set of rules both follow.
 */
export interface ComponentKind<Row extends ComponentRow> {
  readonly kind: 'REQUIREMENT' | 'LICENCE_CONDITION';
  readonly label: 'Requirement' | 'Licence Condition';
  /** R1, L1: the reason an allocation of a component Delius no longer has is ignored with. */
  readonly notFoundReason: string;
  readonly find: (context: AllocationContext, id: number) => Promise<Row | undefined>;
  readonly managers: (models: DeliusModels) => ManagerTable;
  readonly transfers: (models: DeliusModels) => TransferModel;
  /** The contact column that names the component (C12). */
  readonly contactKey: 'requirementId' | 'licenceConditionId';
  /** R9, L9: the category descriptions a pending transfer is reported with, besides the event number. */
  readonly categories: (context: AllocationContext, row: Row) => Promise<Record<string, string>>;
  /** R14, L14: the IAPS flags an allocation of it implies (on a duplicate too, to publish them again). */
  readonly iapsFlags: (context: AllocationContext, row: Row) => Promise<IapsFlag[]>;
}

type ComponentDetail = RequirementAllocationDetail | LicenceConditionAllocationDetail;

/** Spec §8 and §9 (R1–R14, L1–L14), one skeleton for both component kinds. */
export async function allocateComponent<Row extends ComponentRow>(
  context: AllocationContext,
  spec: ComponentKind<Row>,
  crn: string,
  detail: ComponentDetail,
  componentId: number,
): Promise<Completed<AllocationResult>> {
  const { models } = context.db;
  // R1, L1 (A2): gone from Delius is not something a retry can mend, so the allocation is ignored.
  const component = await spec.find(context, componentId);
  if (!component) throw new IgnorableAllocation(spec.notFoundReason, { id: String(componentId) });
  const { personId, eventId } = await componentOwner(
    context,
    { label: spec.label, ...component },
    { crn, eventNumber: detail.eventNumber },
  );
  if (component.activeFlag !== 1)
    throw notActive(`${spec.label} with id of ${component.id} not active`, { id: component.id });

  const table = spec.managers(models);
  const reallocation = await prepareReallocation(context, {
    kind: spec.kind,
    detail,
    table,
    ownerId: component.id,
    ownerLabel: `${spec.label.toLowerCase()} ${component.id}`,
    transfers: spec.transfers(models),
    async pendingTransferProperties() {
      return { eventNumber: String(detail.eventNumber), ...(await spec.categories(context, component)) };
    },
  });
  if (reallocation.duplicate) return duplicateOf(personId, await spec.iapsFlags(context, component));
  const { current, target } = reallocation;

  const transferReasonId = await requireTransferReason(context, 'COMPONENT');
  const { previous, created } = await replaceManager(context, table, current, target, { transferReasonId });
  const contact = await insertTransferContact(context, {
    typeCode: 'ETRC',
    personId,
    eventId,
    [spec.contactKey]: component.id,
    previous,
    created,
  });
  return appliedOf(personId, {
    managerId: created.id,
    previousManagerId: previous.id,
    contacts: [contact],
    iaps: await setIapsFlags(context, await spec.iapsFlags(context, component)),
  });
}
