import { openDeliusDb } from '../../src/delius/delius-db.ts';
import { testLogger, testScope } from '../support/isolation.ts';

describe('opening the Delius database', () => {
  const scope = testScope('delius-db');
  afterAll(() => scope.close());

  it('says, in words, that a database without the Delius tables is not Delius', async () => {
    const sequelize = await scope.postgres();
    await expect(
      openDeliusDb({ sequelize, auditUserName: 'HMPPSAllocations', logger: testLogger }),
    ).rejects.toThrow(
      /^cannot read Delius's USER_ table \(.*\): is DATABASE_URL \(and DATABASE_SCHEMA\) the Delius database\?$/,
    );
  });
});
