// At start-up on Oracle, the service checks what it relies on beyond Delius's tables and says, one line each,
// what is missing: through Sequelize's Oracle dialect and node-oracledb, over the Oracle double.
import { createSequelize } from '../../src/db/sequelize.ts';
import { openDeliusDb } from '../../src/delius/delius-db.ts';
import { auditUserName } from '../../infra/delius-schema/reference-data.ts';
import { oracleDoubleSchema } from '../support/delius.ts';
import { testLogger, testScope } from '../support/isolation.ts';

describe('what the service relies on in an Oracle Delius, checked at start-up', () => {
  const scope = testScope('oracle-prerequisites');
  afterAll(() => scope.close());

  async function open(
    dbTimeZone: string,
    breakIt: (builder: Awaited<ReturnType<typeof oracleDoubleSchema>>['builder']) => Promise<unknown>,
  ) {
    const { builder, schema, postgresUrl } = await oracleDoubleSchema(scope);
    await breakIt(builder);
    const double = await scope.oracleDouble({ postgresUrl, schema, dbTimeZone });
    const sequelize = await scope.track(
      createSequelize({ url: double.url, clientIdentifier: auditUserName, poolIdleMs: 1_000 }, testLogger),
    );
    return openDeliusDb({ sequelize, auditUserName, logger: testLogger });
  }

  it('opens a Delius that has them all, whether DBTIMEZONE is an offset or a region', async () => {
    for (const zone of ['+00:00', 'Europe/London']) {
      const db = await open(zone, () => Promise.resolve());
      expect(db.auditUser.name).toBe(auditUserName);
    }
  });

  it('names, one line each, every sequence, package and user that is missing', async () => {
    const opening = open('+00:00', async (builder) => {
      await builder.query('DROP SEQUENCE "CONTACT_ID_SEQ"');
      await builder.query('DROP SEQUENCE "RESPONSIBLE_OFFICER_ID_SEQ"');
      await builder.query(
        `CREATE OR REPLACE VIEW "ALL_OBJECTS" AS SELECT * FROM (VALUES ('DELIUS_APP_SCHEMA', 'PKG_VPD_CTX', 'PACKAGE'))
           AS objects ("OWNER", "OBJECT_NAME", "OBJECT_TYPE")`,
      );
      await builder.query(`DELETE FROM "USER_" WHERE "DISTINGUISHED_NAME" = '${auditUserName}'`);
    });
    const message = await opening.then(
      () => '',
      (error: unknown) => (error as Error).message,
    );
    const lines = message.split('\n');
    expect(lines[0]).toBe('Delius lacks what the service relies on:');
    expect(lines.slice(1)).toEqual([
      `- the audit user ${auditUserName} is not in Delius (USER_.DISTINGUISHED_NAME)`,
      '- the sequence RESPONSIBLE_OFFICER_ID_SEQ is missing or not granted (ORA-02289: sequence does not exist): grant SELECT on it, with a synonym',
      '- the sequence CONTACT_ID_SEQ is missing or not granted (ORA-02289: sequence does not exist): grant SELECT on it, with a synonym',
      '- the package PKG_TRIGGERSUPPORT is missing or not granted: grant EXECUTE on it',
    ]);
  });
});
