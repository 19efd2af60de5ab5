import { QueryTypes } from 'sequelize';
import { createRequire } from 'node:module';
import { createSequelize } from '../../src/db/sequelize.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { exampleRequest, oracleDoubleDelius, oracleDoubleDeliusWith } from '../support/delius.ts';
import { managerHistory, responsibleOfficers } from '../support/delius-queries.ts';

describe('the Oracle double under node-oracledb', () => {
  const scope = testScope('oracle-double');
  afterAll(() => scope.close());

  it('answers a query through the real driver', async () => {
    const { schema, url: postgresUrl } = await scope.postgresSchema();
    const double = await scope.oracleDouble({ postgresUrl, schema });
    const sequelize = await scope.track(createSequelize({ url: double.url }, testLogger));
    const lib = (sequelize.connectionManager as unknown as { lib: unknown }).lib;
    expect(lib).toBe(createRequire(import.meta.url)('oracledb'));
    const rows = await sequelize.query('SELECT 1 AS X, \'a\' AS "y" FROM DUAL', { type: QueryTypes.SELECT });
    expect(rows).toEqual([{ X: 1, y: 'a' }]);
  });
});

describe('a person allocation on Oracle, through the double', () => {
  const scope = testScope('oracle-double-ids');
  afterAll(() => scope.close());

  it('reads back the sequence id of each row it inserts, so the responsible officer names the new manager', async () => {
    const db = await oracleDoubleDelius(scope);
    expect(db.sequelize.getDialect()).toBe('oracle');
    const data = await seedExampleData(db.models);
    const outcome = await applyAllocation(
      db,
      await exampleRequest('person-allocation-message.json', 'person-allocation-details.json'),
    );
    expect(outcome.status).toBe('applied');
    const newest = (await managerHistory(db, 'PERSON', data.people.T123456.id)).at(-1);
    expect(Number.isInteger(newest?.id)).toBe(true);
    expect((await responsibleOfficers(db, data.people.T123456.id)).at(-1)?.managerId).toBe(newest?.id);
  });
});

describe("the Oracle session, left as Delius's own code expects it", () => {
  const scope = testScope('oracle-double-session');
  afterAll(() => scope.close());

  const allocate = async (db: Awaited<ReturnType<typeof oracleDoubleDeliusWith>>['db']) => {
    const data = await seedExampleData(db.models);
    const outcome = await applyAllocation(
      db,
      await exampleRequest('person-allocation-message.json', 'person-allocation-details.json'),
    );
    return { data, outcome };
  };

  it("changes no session setting that Delius's triggers and packages could see, and compares DATEs as DATEs", async () => {
    const { db, double } = await oracleDoubleDeliusWith(scope);
    const { outcome } = await allocate(db);
    expect(outcome.status).toBe('applied');
    const sent = [...double.sessions].flatMap((session) => session.statements);
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((sql) => /ALTER\s+SESSION/i.test(sql))).toEqual([]);
    // A TIMESTAMP WITH TIME ZONE beside a DATE column converts the column, row by row, at the session's zone.
    expect(sent.filter((sql) => /TO_TIMESTAMP_TZ/i.test(sql))).toEqual([]);
    expect(sent.some((sql) => /TO_DATE\(/.test(sql))).toBe(true);
  });

  it('applies allocations where DBTIMEZONE is a region name, which thin mode cannot use for TIMESTAMP WITH LOCAL TIME ZONE', async () => {
    const { db } = await oracleDoubleDeliusWith(scope, { dbTimeZone: 'Europe/London' });
    const { data, outcome } = await allocate(db);
    expect(outcome.status).toBe('applied');
    // Written and read back as the wall clock the allocation was made at (10:30:54+01:00 is 10:30:54 in London).
    const history = await managerHistory(db, 'PERSON', data.people.T123456.id);
    expect(history.map((period) => period.start)).toContain('2022-07-28 10:30:54');
    const officers = await responsibleOfficers(db, data.people.T123456.id);
    expect(officers.map((officer) => officer.start)).toContain('2022-07-28 10:30:54');
  });
});
