import type { AllocationResult, Completed, IapsFlag } from '../domain/outcome.ts';
import { IgnorableAllocation, notActive } from '../domain/errors.ts';
import type { AllocationContext } from './allocation-context.ts';
import { componentOwner } from './component-owner.ts';
import { insertTransferContact } from './contacts.ts';
import { allocateKind, type KindRules, type Located } from './allocate-kind.ts';
import type { ManagerTable } from './manager-period.ts';
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
 * properties, and which IAPS flags it sets. `componentRules` makes of it the kind's rules for `allocateKind`.
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

interface FoundComponent<Row extends ComponentRow> extends Located {
  readonly row: Row;
  readonly eventId: number;
}

/** Spec §8 and §9 (R1–R14, L1–L14): the rules both component kinds follow, from what each declares. */
export function componentRules<Row extends ComponentRow>(
  spec: ComponentKind<Row>,
  crn: string,
  componentId: number,
): KindRules<ComponentDetail, FoundComponent<Row>, undefined> {
  return {
    kind: spec.kind,
    async locate(context, detail) {
      // R1, L1 (A2): gone from Delius is not something a retry can mend, so the allocation is ignored.
      const row = await spec.find(context, componentId);
      if (!row) throw new IgnorableAllocation(spec.notFoundReason, { id: String(componentId) });
      const { personId, eventId } = await componentOwner(
        context,
        { label: spec.label, ...row },
        { crn, eventNumber: detail.eventNumber },
      );
      if (row.activeFlag !== 1)
        throw notActive(`${spec.label} with id of ${row.id} not active`, { id: row.id });
      return { ownerId: row.id, personId, eventId, row, ownerLabel: `${spec.label.toLowerCase()} ${row.id}` };
    },
    managers: spec.managers,
    transfers: spec.transfers,
    async pendingTransferProperties(context, component, detail) {
      return { eventNumber: String(detail.eventNumber), ...(await spec.categories(context, component.row)) };
    },
    transferReason: 'COMPONENT',
    prepare: () => undefined,
    async write(context, component, _detail, { previous, created }) {
      const { personId, eventId, row } = component;
      const contact = await insertTransferContact(context, {
        typeCode: 'ETRC',
        personId,
        eventId,
        [spec.contactKey]: row.id,
        previous,
        created,
      });
      return { contacts: [contact] };
    },
    iapsFlags: (context, component) => spec.iapsFlags(context, component.row),
  };
}

export function allocateComponent<Row extends ComponentRow>(
  context: AllocationContext,
  spec: ComponentKind<Row>,
  crn: string,
  detail: ComponentDetail,
  componentId: number,
): Promise<Completed<AllocationResult>> {
  return allocateKind(context, componentRules(spec, crn, componentId), detail);
}
