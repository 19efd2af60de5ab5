import type { Admin } from 'kafkajs';
import { Op } from 'sequelize';
import { firstGeneratedId } from '../../src/delius/dialect.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { fixtureStart, unallocated } from '../../infra/delius-schema/example-data.ts';
import { eventually } from './eventually.ts';
import type { TestPipeline } from './pipeline.ts';
import { ceiling } from './patience.ts';

export type SyntheticKind = 'PERSON' | 'EVENT';

/** People with an event, managed by the unallocated staff since the fixture start: owners for synthetic allocations. */
export async function seedPeople(
  pipeline: TestPipeline,
  crns: readonly string[],
  withProgramme: readonly string[] = [],
): Promise<void> {
  const { fixtures } = pipeline.delius.data;
  const managers = [{ ...unallocated, start: fixtureStart }];
  for (const crn of crns) {
    await fixtures.person({ crn, managers });
    await fixtures.event({ crn, number: '1', managers });
    // An accredited programme requirement: allocating the person or the event then sets an IAPS flag.
    if (withProgramme.includes(crn))
      await fixtures.requirement({ crn, eventNumber: '1', managers, main: '7' });
  }
}

/** The detail body of the nth allocation of a person (or their event 1): to N02ABS1 or N02ABSX in turn. */
export function syntheticDetail(crn: string, kind: SyntheticKind, n: number, createdDate: string) {
  const staffCode = n % 2 === 0 ? 'N02ABS1' : 'N02ABSX';
  const common = { id: `${crn}-${kind}-${n}`, staffCode, teamCode: 'N02ABS', createdDate };
  return kind === 'PERSON' ? { ...common, crn } : { ...common, eventNumber: 1 };
}

/**
 * Registers an allocation detail on the test's Workload API and returns the domain event announcing it:
 * the nth allocation of a person (or their event 1), made on `createdDate` (by default in August 2022).
 */
export function syntheticAllocation(
  pipeline: TestPipeline,
  crn: string,
  kind: SyntheticKind,
  n: number,
  createdDate = `2022-08-${String(n + 1).padStart(2, '0')}T09:00:00+01:00`,
): Record<string, unknown> {
  const path = `/allocation/${kind.toLowerCase()}/${crn}-${n}`;
  pipeline.api.register(path, { status: 200, body: syntheticDetail(crn, kind, n, createdDate) });
  return {
    eventType: kind === 'PERSON' ? 'person.community.manager.allocated' : 'event.manager.allocated',
    version: 1,
    detailUrl: `${pipeline.api.url}${path}`,
    personReference: { identifiers: [{ type: 'CRN', value: crn }] },
  };
}

/** Manager rows the service wrote (generated ids), across the person and order manager tables. */
export async function writtenManagers(db: DeliusDb): Promise<number> {
  const where = { id: { [Op.gte]: firstGeneratedId } };
  return (await db.models.PersonManager.count({ where })) + (await db.models.EventManager.count({ where }));
}

/** Waits until `members` processes of a stage have joined its consumer group and it is stable. */
export async function waitForGroupMembers(admin: Admin, groupId: string, members: number): Promise<void> {
  await eventually(
    async () => {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === members;
    },
    { timeoutMs: ceiling(60_000), intervalMs: 250 },
  );
}
