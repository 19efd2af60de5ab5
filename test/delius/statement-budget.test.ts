import { applyAllocation, type AllocationRequest } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import type { Period } from '../../infra/delius-schema/fixtures.ts';
import { allocationKinds, type AllocationKind } from '../../src/domain/allocation-detail.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import { testScope } from '../support/isolation.ts';

/**
 * Every statement an allocation sends counts, transaction control, the audit row and the caseload rebuild
 * included; reference data is read once per process (reference-cache.ts), so it is counted warm.
 */
const budget: Record<AllocationKind, number> = {
  PERSON: 20,
  EVENT: 15,
  REQUIREMENT: 15,
  LICENCE_CONDITION: 15,
};

const at = (month: number, day: number) => new Date(Date.UTC(2022, month - 1, day, 9));
const periods: Period[] = [
  { staff: 'N02UATU', team: 'N02UAT', start: at(7, 1), end: at(9, 1) },
  { staff: 'N02ABSX', team: 'N02ABS', start: at(9, 1) },
];

/** The statements one allocation sends, through Sequelize's logging hook. */
async function statementsOf(db: DeliusDb, request: AllocationRequest) {
  const statements: string[] = [];
  const options = (db.sequelize as unknown as { options: { logging: unknown } }).options;
  const logging = options.logging;
  options.logging = (sql: string) => statements.push(sql);
  try {
    const outcome = await applyAllocation(db, request);
    return { status: outcome.status, statements };
  } finally {
    options.logging = logging;
  }
}

describe('the statements an allocation sends', () => {
  const scope = testScope('budget');
  afterAll(() => scope.close());

  it.each(allocationKinds)(
    'stays within the budget for a new, a historic and a duplicate %s allocation, the duplicate sending fewer',
    async (kind) => {
      const db = await testDelius(scope);
      const { fixtures } = await seedExampleData(db.models);
      const owners = new Map<string, { requirement: number; licenceCondition: number }>();
      for (const crn of ['W123456', 'H123456']) {
        await fixtures.person({ crn, managers: periods });
        await fixtures.event({ crn, number: '1', managers: periods });
        // An accredited programme (main category 7), so the IAPS flag is written too: the longest path.
        const requirement = await fixtures.requirement({
          crn,
          eventNumber: '1',
          managers: periods,
          main: '7',
        });
        const licenceCondition = await fixtures.licenceCondition({
          crn,
          eventNumber: '1',
          managers: periods,
        });
        owners.set(crn, { requirement: requirement.id, licenceCondition: licenceCondition.id });
      }
      const request = (crn: string, createdDate: string) => {
        const owner = owners.get(crn);
        const detail = {
          PERSON: { crn },
          EVENT: { eventNumber: 1 },
          REQUIREMENT: { eventNumber: 1, requirementId: owner?.requirement },
          LICENCE_CONDITION: { eventNumber: 1, licenceConditionId: owner?.licenceCondition },
        }[kind];
        return allocationRequest(kind, { ...detail, createdDate }, crn);
      };
      // Another person's allocation of the kind first, so the reference data is read and kept.
      expect((await applyAllocation(db, request('W123456', '2023-01-10T10:00:00Z'))).status).toBe('applied');

      const latest = await statementsOf(db, request('H123456', '2023-01-10T10:00:00Z'));
      const duplicate = await statementsOf(db, request('H123456', '2023-01-10T10:00:00Z'));
      // 15 October 2022 falls in the second period, which the first allocation ended on 10 January 2023.
      const historic = await statementsOf(db, request('H123456', '2022-10-15T10:00:00+01:00'));

      expect([latest.status, duplicate.status, historic.status]).toEqual(['applied', 'duplicate', 'applied']);
      const counts = {
        latest: latest.statements.length,
        historic: historic.statements.length,
        duplicate: duplicate.statements.length,
      };
      expect(counts.latest).toBeLessThanOrEqual(budget[kind]);
      expect(counts.historic).toBeLessThanOrEqual(budget[kind]);
      expect(counts.duplicate).toBeLessThan(counts.latest);
      // No id costs a statement of its own: the sequence's next value is taken inside the INSERT.
      const ownIdReads = latest.statements.filter((sql) => /\): SELECT (nextval\(|\w+\.NEXTVAL)/.test(sql));
      expect(ownIdReads).toEqual([]);
      expect(
        latest.statements.filter((sql) =>
          /\): INSERT INTO "CONTACT" .*VALUES \((nextval\(|\w+\.NEXTVAL)/.test(sql),
        ),
      ).not.toEqual([]);
    },
  );
});
