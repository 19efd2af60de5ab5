import { DataTypes, type Sequelize } from 'sequelize';
import { createSequelize, dialectOf } from '../../src/db/sequelize.ts';
import { classifyError } from '../../src/classify-error.ts';
import { ceiling } from '../support/patience.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { runScript } from '../support/processes.ts';

/** One code path for every dialect: upper-case quoted identifiers (as in Delius), a sequence-free key, a transaction. */
async function roundTrip(sequelize: Sequelize, tableName = 'STAFF') {
  const Staff = sequelize.define(
    'Staff',
    {
      staffId: { type: DataTypes.BIGINT, primaryKey: true, field: 'STAFF_ID' },
      officerCode: { type: DataTypes.STRING(7), allowNull: false, field: 'OFFICER_CODE' },
      endDate: { type: DataTypes.DATEONLY, allowNull: true, field: 'END_DATE' },
    },
    { tableName },
  );
  await Staff.sync();
  await sequelize.transaction(async (transaction) => {
    await Staff.create({ staffId: 1, officerCode: 'N02ABS1' }, { transaction });
    await Staff.create({ staffId: 2, officerCode: 'N02ABS2', endDate: '2022-07-28' }, { transaction });
  });
  await expect(
    sequelize.transaction(async (transaction) => {
      await Staff.create({ staffId: 3, officerCode: 'N02ABS3' }, { transaction });
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  const rows = await Staff.findAll({ order: [['staffId', 'ASC']] });
  // BIGINT comes back as a string on PostgreSQL: compare numbers.
  return rows.map((row) => ({
    staffId: Number(row.get('staffId')),
    officerCode: row.get('officerCode'),
    endDate: row.get('endDate'),
  }));
}

const expected = [
  { staffId: 1, officerCode: 'N02ABS1', endDate: null },
  { staffId: 2, officerCode: 'N02ABS2', endDate: '2022-07-28' },
];

describe('Sequelize on every dialect', () => {
  const scope = testScope('sequelize');
  afterAll(() => scope.close());

  it('connects to PostgreSQL, commits a transaction and rolls another back', async () => {
    const sequelize = await scope.postgres();
    await sequelize.authenticate();
    expect(sequelize.getDialect()).toBe('postgres');
    expect(await roundTrip(sequelize)).toEqual(expected);
  });

  it('gives up a statement that waits on a row lock past its time limit, as a failure worth another try', async () => {
    const { sequelize: holder, schema, url } = await scope.postgresSchema();
    await holder.query('CREATE TABLE "OFFENDER" ("OFFENDER_ID" BIGINT PRIMARY KEY, "CRN" VARCHAR(7))');
    await holder.query(`INSERT INTO "OFFENDER" VALUES (1, 'X123456')`);
    const limited = await scope.track(createSequelize({ url, schema, statementTimeoutMs: 500 }, testLogger));
    // A Delius user holds the row: the service's update waits for the lock, then gives up.
    const locked = await holder.transaction();
    try {
      await holder.query('SELECT 1 FROM "OFFENDER" WHERE "OFFENDER_ID" = 1 FOR UPDATE', {
        transaction: locked,
      });
      const startedAt = performance.now();
      const failure = await limited
        .query(`UPDATE "OFFENDER" SET "CRN" = 'T123456' WHERE "OFFENDER_ID" = 1`)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(classifyError(failure)).toMatchObject({ code: 'database-busy', retryable: true });
      // Given up by its limit, long before the lock is released.
      expect(performance.now() - startedAt).toBeLessThan(ceiling(10_000));
    } finally {
      await locked.rollback();
    }
  });

  it('runs the same code path on the embedded PGlite of local runs, reached as a PostgreSQL server', async () => {
    const sequelize = await scope.embeddedDelius();
    expect(sequelize.getDialect()).toBe('postgres');
    // Beside Delius's own STAFF table.
    expect(await roundTrip(sequelize, 'STAFF_ROUND_TRIP')).toEqual(expected);
  });

  it('chooses the dialect from the database URL and refuses an unknown one', () => {
    expect(dialectOf('oracle://delius:secret@db:1521/DNDA')).toBe('oracle');
    expect(dialectOf('postgresql://postgres@127.0.0.1/x')).toBe('postgres');
    for (const url of ['mysql://root@127.0.0.1/x', 'sqlite:.infra/delius.sqlite'])
      expect(() => dialectOf(url)).toThrow('DATABASE_URL must start with oracle: or postgres:');
  });

  it('builds an Oracle connection in thin mode without a server to talk to', async () => {
    const sequelize = createSequelize({ url: 'oracle://delius:secret@127.0.0.1:1/FREEPDB1' }, testLogger);
    expect(sequelize.getDialect()).toBe('oracle');
    expect((sequelize.connectionManager as unknown as { lib: { thin: boolean } }).lib.thin).toBe(true);
    await expect(sequelize.authenticate()).rejects.toThrow(/NJS-|ORA-|connect/i);
    await sequelize.close();
  });

  it('asks node-oracledb for thick mode when configured, and says plainly that Instant Client is missing', async () => {
    // No Instant Client can be installed here: this proves the setting reaches the driver and what an image without
    // it says; a connection in thick mode (Native Network Encryption) needs the image variant and a real Oracle.
    const missing = await runScript('test/support/oracle-thick-probe.ts', [], {
      PROBE_LIB_DIR: '/nonexistent/ic',
    });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /^ORACLE_CLIENT_MODE=thick needs Oracle Instant Client in \/nonexistent\/ic \(the image variant in the README, "Running against Oracle"\): DPI-1047: /,
    );
    const onPath = await runScript('test/support/oracle-thick-probe.ts', [], {});
    expect(onPath.code).toBe(3);
    expect(onPath.stderr).toMatch(/needs Oracle Instant Client on the library path .*DPI-1047/);
  });
});
