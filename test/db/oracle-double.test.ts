import { QueryTypes } from 'sequelize';
import { createRequire } from 'node:module';
import { createSequelize } from '../../src/db/sequelize.ts';
import { testLogger, testScope } from '../support/isolation.ts';

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
