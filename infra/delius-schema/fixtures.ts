import type { Model } from 'sequelize';
import type { AllocationKind } from '../../src/domain/allocation-detail.ts';
import { allocationReasonCode, allocationReasonDataset } from '../../src/delius/allocation-reasons.ts';
import type { DeliusModels } from '../../src/delius/models/index.ts';
import type { ManagerModel } from '../../src/delius/models/managers.ts';
import type { TransferModel } from '../../src/delius/models/transfers.ts';
import { asWallClock, londonWallClock } from '../../src/delius/time.ts';

/** A manager period of a fixture: who, and [start, end). */
export interface Period {
  readonly staff: string;
  readonly team: string;
  readonly start: Date;
  readonly end?: Date | null;
}

/**
 * Builders that make a person with managers, events, requirements and licence conditions in a few lines,
 * for tests and the local sample data. Times are London wall-clock values (see `time.ts`). Staff and teams
 * are named by code; ids are chosen here (from 10,000) unless given, clear of the generated ones.
 */
export function deliusFixtures(models: DeliusModels) {
  let nextId = 10_000;
  const id = (given?: number) => given ?? nextId++;
  const audit = async () => {
    const user = await models.User.findOne();
    const time = londonWallClock(new Date());
    const userId = user?.get({ plain: true }).id ?? 0;
    return {
      createdDatetime: time,
      lastUpdatedDatetime: time,
      createdByUserId: userId,
      lastUpdatedUserId: userId,
    };
  };
  const staffId = async (code: string) =>
    required(await models.Staff.findOne({ where: { code } }), `staff ${code}`).id;
  const team = async (code: string) =>
    required(await models.Team.findOne({ where: { code } }), `team ${code}`);
  const personId = async (crn: string) =>
    required(await models.Offender.findOne({ where: { crn } }), `person ${crn}`).id;
  const reasonId = async (kind: AllocationKind) => {
    const dataset = required(
      await models.Dataset.findOne({ where: { name: allocationReasonDataset[kind] } }),
      'dataset',
    );
    const code = allocationReasonCode(kind, 'INITIAL_ALLOCATION');
    return required(await models.ReferenceData.findOne({ where: { datasetId: dataset.id, code } }), code).id;
  };
  const categoryId = async (model: DeliusModels['RequirementMainCategory'], code: string | undefined) =>
    code ? required(await model.findOne({ where: { code } }), `category ${code}`).id : null;
  const referenceDataId = async (code: string | undefined) =>
    code
      ? required(await models.ReferenceData.findOne({ where: { code } }), `reference data ${code}`).id
      : null;

  async function managers(
    kind: AllocationKind,
    model: ManagerModel,
    ownerId: number,
    periods: readonly Period[],
    extra = {},
  ) {
    const ids: number[] = [];
    const now = Date.now();
    for (const period of periods) {
      const allocationTeam = await team(period.team);
      const staff = await staffId(period.staff);
      const end = period.end ?? null;
      const managerId = id();
      await model.create({
        id: managerId,
        ownerId,
        staffId: staff,
        staffEmployeeId: staff,
        teamId: allocationTeam.id,
        trustProviderTeamId: allocationTeam.id,
        trustProviderFlag: 0,
        allocationDate: asWallClock(period.start),
        endDate: end && asWallClock(end),
        activeFlag: end === null || end.getTime() > now ? 1 : 0,
        providerId: allocationTeam.providerId,
        partitionAreaId: 0,
        allocationReasonId: await reasonId(kind),
        softDeleted: 0,
        rowVersion: 0,
        ...(await audit()),
        ...extra,
      });
      ids.push(managerId);
    }
    return ids;
  }

  async function sentence(crn: string, eventNumber: string) {
    const event = required(
      await models.Event.findOne({ where: { personId: await personId(crn), eventNumber, softDeleted: 0 } }),
      `event ${eventNumber}`,
    );
    const disposal = required(
      await models.Disposal.findOne({ where: { eventId: event.id } }),
      `disposal of event ${eventNumber}`,
    );
    return { personId: event.personId, eventId: event.id, disposalId: disposal.id };
  }

  return {
    async provider(code: string, description: string) {
      return (await models.Provider.create({ id: id(), code, description })).get({ plain: true });
    },
    async team(spec: { code: string; description: string; provider: string; endDate?: Date | null }) {
      const provider = required(
        await models.Provider.findOne({ where: { code: spec.provider } }),
        `provider ${spec.provider}`,
      );
      return (
        await models.Team.create({
          id: id(),
          code: spec.code,
          description: spec.description,
          providerId: provider.id,
          endDate: spec.endDate ? asWallClock(spec.endDate) : null,
        })
      ).get({ plain: true });
    },
    async staff(spec: {
      code: string;
      forename: string;
      surname: string;
      middleName?: string;
      endDate?: Date | null;
      teams: readonly string[];
    }) {
      const created = await models.Staff.create({
        id: id(),
        code: spec.code,
        forename: spec.forename,
        middleName: spec.middleName ?? null,
        surname: spec.surname,
        endDate: spec.endDate ? asWallClock(spec.endDate) : null,
      });
      const { id: createdId } = created.get({ plain: true });
      for (const code of spec.teams)
        await models.StaffTeam.create({ staffId: createdId, teamId: (await team(code)).id });
      return created.get({ plain: true });
    },
    /**
     * A person with manager periods and, by default, a community responsible officer for each period; or a
     * prison one, none, one pointing at both a community and a prison manager, one pointing at no manager, or
     * (Delius data gone wrong) two at once.
     */
    async person(spec: {
      crn: string;
      managers: readonly Period[];
      responsibleOfficer?: 'community' | 'prison' | 'none' | 'both' | 'unmanaged' | 'twice';
    }) {
      const createdId = id();
      await models.Offender.create({ id: createdId, crn: spec.crn, softDeleted: 0 });
      const managerIds = await managers('PERSON', models.PersonManager, createdId, spec.managers);
      const officerIds: number[] = [];
      const kind = spec.responsibleOfficer ?? 'community';
      for (const [index, period] of spec.managers.entries()) {
        if (kind === 'none') break;
        let prisonManagerId: number | null = null;
        if (kind === 'prison' || kind === 'both') {
          const prisonTeam = await team(period.team);
          prisonManagerId = id();
          await models.PrisonManager.create({
            id: prisonManagerId,
            personId: createdId,
            providerId: prisonTeam.providerId,
            teamId: prisonTeam.id,
            staffId: await staffId(period.staff),
          });
        }
        const community = kind === 'community' || kind === 'both' || kind === 'twice';
        for (let copy = 0; copy < (kind === 'twice' ? 2 : 1); copy += 1) {
          const officerId = id();
          await models.ResponsibleOfficer.create({
            id: officerId,
            personId: createdId,
            personManagerId: community ? (managerIds[index] ?? null) : null,
            prisonManagerId,
            startDate: asWallClock(period.start),
            // Two at once: the first ends in the future, since Delius lets only one be open-ended.
            endDate: copy === 0 && kind === 'twice' ? farFuture : period.end ? asWallClock(period.end) : null,
            rowVersion: 0,
            ...(await audit()),
          });
          officerIds.push(officerId);
        }
      }
      return { id: createdId, managerIds, officerIds };
    },
    async event(spec: {
      crn: string;
      number: string;
      managers: readonly Period[];
      active?: boolean;
      softDeleted?: boolean;
      disposalActive?: boolean;
    }) {
      const eventId = id();
      await models.Event.create({
        id: eventId,
        personId: await personId(spec.crn),
        eventNumber: spec.number,
        activeFlag: spec.active === false ? 0 : 1,
        softDeleted: spec.softDeleted ? 1 : 0,
      });
      const disposalId = id();
      await models.Disposal.create({
        id: disposalId,
        eventId,
        activeFlag: spec.disposalActive === false ? 0 : 1,
        softDeleted: 0,
      });
      const managerIds = await managers('EVENT', models.EventManager, eventId, spec.managers);
      return { id: eventId, disposalId, managerIds };
    },
    async requirement(spec: {
      id?: number;
      crn: string;
      eventNumber: string;
      managers: readonly Period[];
      main?: string;
      additional?: string;
      sub?: string;
      active?: boolean;
      softDeleted?: boolean;
    }) {
      const owner = await sentence(spec.crn, spec.eventNumber);
      const requirementId = id(spec.id);
      await models.Requirement.create({
        id: requirementId,
        personId: owner.personId,
        disposalId: owner.disposalId,
        mainCategoryId: await categoryId(models.RequirementMainCategory, spec.main),
        additionalMainCategoryId: await categoryId(models.RequirementAdditionalMainCategory, spec.additional),
        subCategoryId: await referenceDataId(spec.sub),
        activeFlag: spec.active === false ? 0 : 1,
        softDeleted: spec.softDeleted ? 1 : 0,
      });
      const managerIds = await managers(
        'REQUIREMENT',
        models.RequirementManager,
        requirementId,
        spec.managers,
      );
      return { id: requirementId, managerIds };
    },
    async licenceCondition(spec: {
      id?: number;
      crn: string;
      eventNumber: string;
      managers: readonly Period[];
      main?: string;
      sub?: string;
      active?: boolean;
      softDeleted?: boolean;
    }) {
      const owner = await sentence(spec.crn, spec.eventNumber);
      const conditionId = id(spec.id);
      await models.LicenceCondition.create({
        id: conditionId,
        personId: owner.personId,
        disposalId: owner.disposalId,
        mainCategoryId: present(
          await categoryId(models.LicenceConditionMainCategory, spec.main ?? 'NLC5'),
          'licence condition category',
        ),
        subCategoryId: await referenceDataId(spec.sub),
        startDate: asWallClock(spec.managers[0]?.start ?? new Date()),
        activeFlag: spec.active === false ? 0 : 1,
        softDeleted: spec.softDeleted ? 1 : 0,
      });
      const managerIds = await managers(
        'LICENCE_CONDITION',
        models.LicenceConditionManager,
        conditionId,
        spec.managers,
      );
      return { id: conditionId, managerIds };
    },
    /** A transfer in the given status (PN: pending; or the status row `statusId`) for the owner of a kind. */
    async transfer(
      kind: AllocationKind,
      ownerId: number,
      status = 'PN',
      options: { softDeleted?: boolean; statusId?: number } = {},
    ) {
      const table: Record<AllocationKind, TransferModel> = {
        PERSON: models.PersonTransfer,
        EVENT: models.EventTransfer,
        REQUIREMENT: models.RequirementTransfer,
        LICENCE_CONDITION: models.LicenceConditionTransfer,
      };
      const transferStatusId =
        options.statusId ?? present(await referenceDataId(status), `transfer status ${status}`);
      await table[kind].create({
        id: id(),
        ownerId,
        transferStatusId,
        softDeleted: options.softDeleted ? 1 : 0,
      });
    },
  };
}

const farFuture = asWallClock(new Date(Date.UTC(2099, 0, 1)));

export type DeliusFixtures = ReturnType<typeof deliusFixtures>;

function required<R extends object>(instance: Model<R, object> | null, what: string): R {
  if (!instance) throw new Error(`fixture: ${what} not found`);
  return instance.get({ plain: true });
}

function present<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`fixture: ${what} not found`);
  return value;
}
