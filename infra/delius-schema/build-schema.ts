import { QueryTypes, type Model, type ModelAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { Dialect } from '../../src/db/sequelize.ts';
import { firstGeneratedId } from '../../src/delius/dialect.ts';
import { defineDeliusModels, type DeliusModels } from '../../src/delius/models/index.ts';

/**
 * Builds the Delius tables allocation handling touches, for the test database (PostgreSQL), local runs (PostgreSQL in PGlite)
 * and the opt-in Oracle tests (`npm run test:oracle`, in a disposable Oracle user). In production the service
 * never creates or alters Delius tables: on Oracle this refuses unless told, by `disposableOracleUser`, that it
 * may first drop everything the connected user owns.
 * Besides the tables: a sequence per generated id, the one-active-responsible-officer rule Delius enforces,
 * and a stand-in for PKG_TRIGGERSUPPORT.PROCREBUILDOPTTABLES that records each call in CASELOAD_REBUILD_CALL
 * (on Oracle also one for PKG_VPD_CTX, which sets the session's client identifier).
 */
export async function buildDeliusSchema(
  sequelize: Sequelize,
  options: { disposableOracleUser?: boolean } = {},
): Promise<DeliusModels> {
  const dialect = sequelize.getDialect() as Dialect;
  if (dialect === 'oracle' && !options.disposableOracleUser)
    throw new Error(
      'the Delius schema is never built on Oracle but in a disposable test user: production owns it',
    );
  const run = (sql: string) => sequelize.query(sql, { type: QueryTypes.RAW });
  if (dialect === 'oracle') await run(dropEverythingTheUserOwns);
  const models = defineDeliusModels(sequelize);
  // createTable, not sync(): sync() also reads the table's indexes, and on PostgreSQL that query does not filter
  // by schema, so it trips over tables of the same name in other schemas being dropped at the same moment.
  const queryInterface = sequelize.getQueryInterface();
  for (const model of Object.values(models) as ModelStatic<Model>[]) {
    const attributes = (model as unknown as { tableAttributes: ModelAttributes }).tableAttributes;
    await queryInterface.createTable(model.getTableName(), withDeliusDateTypes(attributes, dialect));
  }

  for (const [modelName, attribute] of lookupIndexes) {
    const model = models[modelName] as ModelStatic<Model>;
    const table = model.tableName;
    const field = model.getAttributes()[attribute]?.field ?? attribute;
    const ifNotExists = dialect === 'oracle' ? '' : 'IF NOT EXISTS ';
    await run(`CREATE INDEX ${ifNotExists}"IX_${table}_${field}" ON "${table}" ("${field}")`);
  }

  if (dialect === 'oracle') {
    for (const sequence of sequenceNames(models))
      await run(`CREATE SEQUENCE "${sequence}" START WITH ${firstGeneratedId}`);
    for (const statement of oracleStandIns) await run(statement);
    return models;
  }
  for (const sequence of sequenceNames(models)) {
    await run(`CREATE SEQUENCE IF NOT EXISTS "${sequence}" START WITH ${firstGeneratedId}`);
  }
  await run(
    `CREATE TABLE IF NOT EXISTS "CASELOAD_REBUILD_CALL" ("CALL_ID" BIGSERIAL PRIMARY KEY, "OFFENDER_ID" BIGINT NOT NULL, "CALLED_AT" TIMESTAMPTZ NOT NULL DEFAULT now())`,
  );
  await run(
    `CREATE OR REPLACE FUNCTION "PROCREBUILDOPTTABLES"(p_offender_id BIGINT) RETURNS void LANGUAGE sql AS $$ INSERT INTO "CASELOAD_REBUILD_CALL" ("OFFENDER_ID") VALUES (p_offender_id) $$`,
  );
  await run(
    `CREATE UNIQUE INDEX IF NOT EXISTS "RESPONSIBLE_OFFICER_ONE_ACTIVE" ON "RESPONSIBLE_OFFICER" ("OFFENDER_ID") WHERE "END_DATE" IS NULL`,
  );
  return models;
}

/**
 * The columns the service finds rows by, indexed as Delius indexes its keys and codes. Without them every lookup
 * in a test or local schema is a scan whose cost grows with the data: a benchmark would measure the scans.
 */
const lookupIndexes: readonly (readonly [keyof DeliusModels, string])[] = [
  ['Offender', 'crn'],
  ['Staff', 'code'],
  ['Team', 'code'],
  ['StaffTeam', 'teamId'],
  ['PersonManager', 'ownerId'],
  ['EventManager', 'ownerId'],
  ['RequirementManager', 'ownerId'],
  ['LicenceConditionManager', 'ownerId'],
  ['PersonTransfer', 'ownerId'],
  ['EventTransfer', 'ownerId'],
  ['RequirementTransfer', 'ownerId'],
  ['LicenceConditionTransfer', 'ownerId'],
  ['ResponsibleOfficer', 'personId'],
  ['Event', 'personId'],
  ['Disposal', 'eventId'],
  ['Requirement', 'personId'],
  ['Requirement', 'disposalId'],
  ['LicenceCondition', 'personId'],
  ['Dataset', 'name'],
  ['ReferenceData', 'datasetId'],
  ['ContactType', 'code'],
  ['TransferReason', 'code'],
  ['BusinessInteraction', 'code'],
  ['User', 'name'],
];

/**
 * Delius's date columns as Delius declares them: a DATE holds whole seconds and no zone; a TIMESTAMP (an
 * attribute declared with a precision, `DataTypes.DATE(3)`) its fraction too. Sequelize would make every one a
 * TIMESTAMP WITH LOCAL TIME ZONE on Oracle, and drop the precision on PostgreSQL.
 */
function withDeliusDateTypes(attributes: ModelAttributes, dialect: Dialect): ModelAttributes {
  const typeOf = (type: { key?: string; _length?: unknown }): string | undefined => {
    if (type.key !== 'DATE') return undefined;
    const precision = Number(type._length) || undefined;
    if (dialect === 'oracle') return precision ? `TIMESTAMP(${precision})` : 'DATE';
    if (precision) return `TIMESTAMP(${precision}) WITH TIME ZONE`;
    return undefined;
  };
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => {
      const declared = attribute as { type: { key?: string; _length?: unknown } };
      const type = typeOf(declared.type);
      return [name, type ? { ...declared, type } : attribute];
    }),
  ) as ModelAttributes;
}

/** Clears the disposable Oracle test user, so each test starts from nothing. */
const dropEverythingTheUserOwns = `BEGIN
  FOR o IN (SELECT object_name, object_type FROM user_objects WHERE object_type IN ('TABLE', 'SEQUENCE', 'PACKAGE')) LOOP
    EXECUTE IMMEDIATE 'DROP ' || o.object_type || ' "' || o.object_name || '"' ||
      CASE WHEN o.object_type = 'TABLE' THEN ' CASCADE CONSTRAINTS PURGE' END;
  END LOOP;
END;`;

/** Oracle's forms of the rest: the RO rule as a function-based unique index, the recording and session stand-ins. */
const oracleStandIns = [
  `CREATE UNIQUE INDEX "RESPONSIBLE_OFFICER_ONE_ACTIVE" ON "RESPONSIBLE_OFFICER" (CASE WHEN "END_DATE" IS NULL THEN "OFFENDER_ID" END)`,
  `CREATE TABLE "CASELOAD_REBUILD_CALL" ("CALL_ID" NUMBER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "OFFENDER_ID" NUMBER NOT NULL, "CALLED_AT" TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL)`,
  `CREATE OR REPLACE PACKAGE PKG_TRIGGERSUPPORT AS PROCEDURE PROCREBUILDOPTTABLES(p_offender_id IN NUMBER); END;`,
  `CREATE OR REPLACE PACKAGE BODY PKG_TRIGGERSUPPORT AS
     PROCEDURE PROCREBUILDOPTTABLES(p_offender_id IN NUMBER) IS
     BEGIN INSERT INTO "CASELOAD_REBUILD_CALL" ("OFFENDER_ID") VALUES (p_offender_id); END;
   END;`,
  `CREATE OR REPLACE PACKAGE PKG_VPD_CTX AS
     PROCEDURE SET_CLIENT_IDENTIFIER(p_user IN VARCHAR2);
     PROCEDURE CLEAR_CLIENT_IDENTIFIER;
   END;`,
  `CREATE OR REPLACE PACKAGE BODY PKG_VPD_CTX AS
     PROCEDURE SET_CLIENT_IDENTIFIER(p_user IN VARCHAR2) IS BEGIN DBMS_SESSION.SET_IDENTIFIER(p_user); END;
     PROCEDURE CLEAR_CLIENT_IDENTIFIER IS BEGIN DBMS_SESSION.CLEAR_IDENTIFIER; END;
   END;`,
];

/** Each table with a single generated key gets `<KEY COLUMN>_SEQ`, as Delius names them. */
function sequenceNames(models: DeliusModels): string[] {
  return Object.values(models).flatMap((model) => {
    const keys = Object.values((model as ModelStatic<Model>).getAttributes()).filter(
      (attribute) => attribute.primaryKey,
    );
    return keys.length === 1 && keys[0]?.field ? [`${keys[0].field}_SEQ`] : [];
  });
}

/** The person ids PROCREBUILDOPTTABLES was called with, oldest first. */
export async function caseloadRebuildCalls(sequelize: Sequelize): Promise<number[]> {
  const rows = await sequelize.query<{ OFFENDER_ID: number | string }>(
    'SELECT "OFFENDER_ID" FROM "CASELOAD_REBUILD_CALL" ORDER BY "CALL_ID"',
    {
      type: QueryTypes.SELECT,
    },
  );
  return rows.map((row) => Number(row.OFFENDER_ID));
}
