import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import type { Period } from '../../infra/delius-schema/fixtures.ts';
import type { AllocationKind } from '../../src/domain/allocation-detail.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import { managerHistory } from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

const at = (month: number, day: number) => new Date(Date.UTC(2022, month - 1, day, 9));
const periods: Period[] = [
  { staff: 'N02UATU', team: 'N02UAT', start: at(7, 1), end: at(9, 1) },
  { staff: 'N02ABSX', team: 'N02ABS', start: at(9, 1), end: at(12, 1) },
  { staff: 'N02UATU', team: 'N02UAT', start: at(12, 1) },
];

/** No gaps, no overlaps: each period ends where the next starts, and only the last is open. */
function expectContiguous(history: { start: string | null; end: string | null }[]) {
  for (const [index, period] of history.entries()) {
    const next = history[index + 1];
    expect(period.end).toBe(next ? next.start : null);
  }
}

describe('historic allocations keep the manager history contiguous', () => {
  const scope = testScope('history');
  afterAll(() => scope.close());

  let db: DeliusDb;
  let owners: Record<AllocationKind, number>;
  beforeEach(async () => {
    db = await testDelius(scope);
    const { fixtures } = await seedExampleData(db.models);
    const person = await fixtures.person({ crn: 'H123456', managers: periods });
    await fixtures.event({ crn: 'H123456', number: '1', managers: periods });
    owners = {
      PERSON: person.id,
      EVENT:
        (await db.models.Event.findOne({ where: { personId: person.id } }))?.get({ plain: true }).id ?? 0,
      REQUIREMENT: (
        await fixtures.requirement({ crn: 'H123456', eventNumber: '1', managers: periods, main: 'W' })
      ).id,
      LICENCE_CONDITION: (
        await fixtures.licenceCondition({ crn: 'H123456', eventNumber: '1', managers: periods })
      ).id,
    };
  });

  const details = (kind: AllocationKind) =>
    ({
      PERSON: { crn: 'H123456' },
      EVENT: { eventNumber: 1 },
      REQUIREMENT: { eventNumber: 1, requirementId: owners.REQUIREMENT },
      LICENCE_CONDITION: { eventNumber: 1, licenceConditionId: owners.LICENCE_CONDITION },
    })[kind];

  it.each(['PERSON', 'EVENT', 'REQUIREMENT', 'LICENCE_CONDITION'] as const)(
    'splits a %s manager period in the middle of the history',
    async (kind) => {
      // 15 October 2022 10:00 BST falls in the second period, which ends on 1 December.
      const outcome = await applyAllocation(
        db,
        allocationRequest(kind, { ...details(kind), createdDate: '2022-10-15T10:00:00+01:00' }, 'H123456'),
      );
      expect(outcome.status).toBe('applied');
      const history = await managerHistory(db, kind, owners[kind]);
      expect(history.map(({ staff, start, end, active }) => ({ staff, start, end, active }))).toEqual([
        { staff: 'N02UATU', start: '2022-07-01 09:00:00', end: '2022-09-01 09:00:00', active: 0 },
        { staff: 'N02ABSX', start: '2022-09-01 09:00:00', end: '2022-10-15 10:00:00', active: 0 },
        { staff: 'N02ABS1', start: '2022-10-15 10:00:00', end: '2022-12-01 09:00:00', active: 0 },
        { staff: 'N02UATU', start: '2022-12-01 09:00:00', end: null, active: 1 },
      ]);
      expectContiguous(history);
    },
  );

  it.each(['PERSON', 'EVENT', 'REQUIREMENT', 'LICENCE_CONDITION'] as const)(
    'keeps the %s history contiguous through allocations in every period, in any order',
    async (kind) => {
      for (const createdDate of [
        '2023-02-01T12:00:00Z',
        '2022-08-01T12:00:00+01:00',
        '2022-11-11T11:11:11Z',
        '2022-07-15T08:00:00+01:00',
      ]) {
        const staffCode = createdDate.startsWith('2022-11') ? 'N02ABSX' : 'N02ABS1';
        const outcome = await applyAllocation(
          db,
          allocationRequest(kind, { ...details(kind), createdDate, staffCode }, 'H123456'),
        );
        expect(['applied', 'duplicate']).toContain(outcome.status);
      }
      const history = await managerHistory(db, kind, owners[kind]);
      expect(history).toHaveLength(periods.length + 4 - 1);
      expectContiguous(history);
      expect(history.filter((period) => period.end === null)).toHaveLength(1);
    },
  );
});
