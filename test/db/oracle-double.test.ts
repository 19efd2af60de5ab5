import { QueryTypes } from 'sequelize';
import { createRequire } from 'node:module';
import { createSequelize } from '../../src/db/sequelize.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import { seedExampleData } from '../../src/delius/schema/example-data.ts';
import { exampleRequest, oracleDoubleDelius } from '../support/delius.ts';
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
    const newest = (await managerHistory(db, 'PERSON', data.people.T223456.id)).at(-1);
    expect(Number.isInteger(newest?.id)).toBe(true);
    expect((await responsibleOfficers(db, data.people.T223456.id)).at(-1)?.managerId).toBe(newest?.id);
  });
});
