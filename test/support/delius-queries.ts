import type { AllocationKind } from '../../src/domain/allocation-detail.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import type { ManagerModel, ManagerRow } from '../../src/delius/models/managers.ts';

/** A wall-clock value as Delius shows it: `2022-07-28 10:30:54`. */
export const text = (value: Date | null | undefined) =>
  value ? value.toISOString().slice(0, 19).replace('T', ' ') : null;

export function managerModel(db: DeliusDb, kind: AllocationKind): ManagerModel {
  const { PersonManager, EventManager, RequirementManager, LicenceConditionManager } = db.models;
  return {
    PERSON: PersonManager,
    EVENT: EventManager as unknown as ManagerModel,
    REQUIREMENT: RequirementManager as unknown as ManagerModel,
    LICENCE_CONDITION: LicenceConditionManager as unknown as ManagerModel,
  }[kind];
}

async function codeOf(db: DeliusDb, model: 'Staff' | 'Team', id: number) {
  const row = model === 'Staff' ? await db.models.Staff.findByPk(id) : await db.models.Team.findByPk(id);
  return row?.get({ plain: true }).code;
}

/** An owner's manager periods, oldest first, with codes instead of ids. */
export async function managerHistory(db: DeliusDb, kind: AllocationKind, ownerId: number) {
  const rows = await managerModel(db, kind).findAll({
    where: { ownerId },
    order: [
      ['allocationDate', 'ASC'],
      ['id', 'ASC'],
    ],
  });
  return Promise.all(
    rows.map(async (instance) => {
      const row: ManagerRow & { transferReasonId?: number | null } = instance.get({ plain: true });
      const reason = await db.models.ReferenceData.findByPk(row.allocationReasonId);
      const transferReason = row.transferReasonId
        ? await db.models.TransferReason.findByPk(row.transferReasonId)
        : null;
      return {
        id: row.id,
        staff: await codeOf(db, 'Staff', row.staffId),
        team: await codeOf(db, 'Team', row.teamId),
        start: text(row.allocationDate),
        end: text(row.endDate),
        active: row.activeFlag,
        reason: reason?.get({ plain: true }).code,
        ...(transferReason ? { transferReason: transferReason.get({ plain: true }).code } : {}),
        rowVersion: row.rowVersion,
      };
    }),
  );
}

export async function responsibleOfficers(db: DeliusDb, personId: number) {
  const rows = await db.models.ResponsibleOfficer.findAll({
    where: { personId },
    order: [
      ['startDate', 'ASC'],
      ['id', 'ASC'],
    ],
  });
  return rows.map((instance) => {
    const row = instance.get({ plain: true });
    return {
      managerId: row.personManagerId,
      prison: row.prisonManagerId !== null,
      start: text(row.startDate),
      end: text(row.endDate),
    };
  });
}

export async function contactsOf(db: DeliusDb, personId: number) {
  const rows = await db.models.Contact.findAll({ where: { personId }, order: [['id', 'ASC']] });
  return Promise.all(
    rows.map(async (instance) => {
      const row = instance.get({ plain: true });
      const type = await db.models.ContactType.findByPk(row.contactTypeId);
      return {
        type: type?.get({ plain: true }).code,
        eventId: row.eventId,
        requirementId: row.requirementId,
        licenceConditionId: row.licenceConditionId,
        staff: await codeOf(db, 'Staff', row.staffId),
        team: await codeOf(db, 'Team', row.teamId),
        date: text(row.date),
        startTime: text(row.startTime),
        sensitive: row.sensitive,
        notes: row.notes,
      };
    }),
  );
}

export async function iapsFlags(db: DeliusDb) {
  const ids = async (model: DeliusDb['models']['IapsPerson']) =>
    (await model.findAll({ order: [['id', 'ASC']] })).map((row) => [
      row.get({ plain: true }).id,
      row.get({ plain: true }).iapsFlag,
    ]);
  return {
    IAPS_OFFENDER: await ids(db.models.IapsPerson),
    IAPS_EVENT: await ids(db.models.IapsEvent),
    IAPS_RQMNT: await ids(db.models.IapsRequirement),
  };
}

export async function auditRows(db: DeliusDb) {
  const rows = await db.models.AuditedInteraction.findAll({ order: [['dateTime', 'ASC']] });
  return Promise.all(
    rows.map(async (instance) => {
      const row = instance.get({ plain: true });
      const interaction = await db.models.BusinessInteraction.findByPk(row.businessInteractionId);
      return {
        interaction: interaction?.get({ plain: true }).code,
        outcome: row.outcome,
        // Oracle holds no parameters as NULL, PostgreSQL as the empty string the service writes.
        parameters: row.parameters ?? '',
        userId: row.userId,
      };
    }),
  );
}

/** Counts of every row an allocation can write: equal before and after means nothing was written. */
export async function writtenRowCounts(db: DeliusDb) {
  const {
    PersonManager,
    EventManager,
    RequirementManager,
    LicenceConditionManager,
    ResponsibleOfficer,
    Contact,
    IapsPerson,
    IapsEvent,
    IapsRequirement,
  } = db.models;
  return {
    personManagers: await PersonManager.count(),
    eventManagers: await EventManager.count(),
    requirementManagers: await RequirementManager.count(),
    licenceConditionManagers: await LicenceConditionManager.count(),
    responsibleOfficers: await ResponsibleOfficer.count(),
    contacts: await Contact.count(),
    iaps: (await IapsPerson.count()) + (await IapsEvent.count()) + (await IapsRequirement.count()),
  };
}
