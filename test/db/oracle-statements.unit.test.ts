// No Oracle server can run here, so this renders the statements the Delius module sends, with Sequelize's
// Oracle dialect and no connection, and checks them for what production relies on. The session set-up is
// checked against a recording stand-in for a connection (pure logic).
import { literal, Op, type Sequelize } from 'sequelize';
import { countOf, selectOf } from '../../src/delius/subqueries.ts';
import {
  createSequelize,
  oracleFetchTypeHandler,
  prepareOracleSession,
  statementTimeoutMs,
  wallClockFromLocalFields,
  type OracleDriver,
} from '../../src/db/sequelize.ts';
import { deliusDialect } from '../../src/delius/dialect.ts';
import { loadConfig } from '../../src/config/config.ts';
import { defineDeliusModels } from '../../src/delius/models/index.ts';
import { testLogger } from '../support/isolation.ts';
import { databaseSettingsOf } from '../../src/config/options.ts';

interface QueryGenerator {
  selectQuery(table: string, options: object, model: unknown): string;
  updateQuery(
    table: string,
    values: object,
    where: object,
    options: object,
    attributes: object,
  ): { query: string; bind: unknown[] };
  upsertQuery(
    table: string,
    insert: object,
    update: object,
    where: object,
    model: unknown,
    options: object,
  ): { query: string; bind: unknown[] };
  insertQuery(
    table: string,
    values: object,
    attributes: object,
    options: object,
  ): { query: string; bind: unknown[] };
}

const minimalEnv = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  ALLOCATIONS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q',
  HMPPS_AUTH_URL: 'http://127.0.0.1:1',
  HMPPS_AUTH_CLIENT_ID: 'c',
  HMPPS_AUTH_CLIENT_SECRET: 's',
  DETAIL_URL_ALLOW_LIST: 'http://127.0.0.1:2',
  DATABASE_URL: 'oracle://delius_app:secret@unused:1521/UNUSED',
};

describe('the statements the Delius module sends to Oracle', () => {
  let sequelize: Sequelize;
  let generator: QueryGenerator;
  let models: ReturnType<typeof defineDeliusModels>;
  beforeAll(() => {
    sequelize = createSequelize({ url: 'oracle://delius:secret@127.0.0.1:1/DNDA' }, testLogger);
    models = defineDeliusModels(sequelize);
    generator = sequelize.getQueryInterface().queryGenerator as QueryGenerator;
  });
  afterAll(() => sequelize.close());
  const at = new Date('2022-07-28T10:30:54.023Z');

  it('finds the manager current at a date with quoted upper-case names, UTC literals and Oracle row limiting', () => {
    const fields = Object.entries(models.PersonManager.getAttributes()).map(([name, attribute]) => [
      attribute.field,
      name,
    ]);
    const sql = generator.selectQuery(
      'OFFENDER_MANAGER',
      {
        attributes: fields,
        where: {
          OFFENDER_ID: 5,
          SOFT_DELETED: 0,
          ALLOCATION_DATE: { [Op.lte]: at },
          [Op.or]: [{ END_DATE: null }, { END_DATE: { [Op.gt]: at } }],
        },
        limit: 2,
      },
      models.PersonManager,
    );
    expect(sql).toContain('FROM "OFFENDER_MANAGER"');
    expect(sql).toContain('"ALLOCATION_STAFF_ID" AS "staffId"');
    // A DATE compared with a DATE: no time zone is involved, and the column's index can be range-scanned (a
    // TIMESTAMP WITH TIME ZONE literal would make Oracle convert every row's column at the session's zone).
    expect(sql).toContain(
      `"OFFENDER_MANAGER"."ALLOCATION_DATE" <= TO_DATE('2022-07-28 10:30:54','YYYY-MM-DD HH24:MI:SS')`,
    );
    expect(sql).not.toContain('TO_TIMESTAMP');
    expect(sql).toContain('FETCH NEXT 2 ROWS ONLY');
  });

  it("reads C11's pending transfers and V7's membership as correlated subqueries on the outer row", () => {
    const sql = generator.selectQuery(
      'OFFENDER_MANAGER',
      {
        attributes: [
          ['OFFENDER_MANAGER_ID', 'id'],
          [
            countOf(models.PersonTransfer, {
              ownerId: { outer: models.PersonManager, attribute: 'ownerId' },
              transferStatusId: 42,
              softDeleted: 0,
            }),
            'pendingTransfers',
          ],
        ],
        where: { OFFENDER_ID: 5 },
        limit: 2,
      },
      models.PersonManager,
    );
    expect(sql).toContain(
      '(SELECT COUNT(*) FROM "OFFENDER_TRANSFER" WHERE "OFFENDER_ID" = "OFFENDER_MANAGER"."OFFENDER_ID" AND "TRANSFER_STATUS_ID" = 42 AND "SOFT_DELETED" = 0) AS "pendingTransfers"',
    );
    // The outer table keeps its own name as its alias, which the subquery refers to.
    expect(sql).toMatch(/FROM "OFFENDER_MANAGER"\s+"OFFENDER_MANAGER" WHERE/);
    expect(() => countOf(models.PersonTransfer, { transferStatusId: 1.5 })).toThrow('not a whole number');
  });

  it('finds an event by CRN in one read, the CRN escaped as a literal, never spliced in', () => {
    const sql = generator.selectQuery(
      'EVENT',
      {
        attributes: [['EVENT_ID', 'id']],
        where: { OFFENDER_ID: { [Op.eq]: selectOf(models.Offender, 'id', { crn: "X1' OR '1'='1" }) } },
      },
      models.Event,
    );
    expect(sql).toContain(
      `"EVENT"."OFFENDER_ID" = (SELECT "OFFENDER_ID" FROM "OFFENDER" WHERE "CRN" = 'X1'' OR ''1''=''1')`,
    );
  });

  it("takes a new row's id from its sequence inside the INSERT and returns it into an out-bind", () => {
    const options: { returning: boolean; outBindAttributes?: Record<string, unknown> } = { returning: true };
    const { query } = generator.insertQuery(
      'OFFENDER_MANAGER',
      { OFFENDER_MANAGER_ID: literal('OFFENDER_MANAGER_ID_SEQ.NEXTVAL'), OFFENDER_ID: 5 },
      models.PersonManager.getAttributes(),
      options,
    );
    expect(query).toMatch(
      /^INSERT INTO "OFFENDER_MANAGER" \("OFFENDER_MANAGER_ID","OFFENDER_ID"\) VALUES \(OFFENDER_MANAGER_ID_SEQ\.NEXTVAL,:1\) RETURNING "OFFENDER_MANAGER_ID",.* INTO :2,/,
    );
    expect(options.outBindAttributes).toHaveProperty('OFFENDER_MANAGER_ID');
  });

  it('ends a manager only if its row version is the one read (C9)', () => {
    const { query, bind } = generator.updateQuery(
      'OFFENDER_MANAGER',
      { END_DATE: at, ROW_VERSION: 1 },
      { OFFENDER_MANAGER_ID: 5, ROW_VERSION: 0 },
      {},
      models.PersonManager.getAttributes(),
    );
    expect(query).toBe(
      `UPDATE "OFFENDER_MANAGER" SET "END_DATE"=TO_DATE(:1, 'YYYY-MM-DD HH24:MI:SS'),"ROW_VERSION"=:2 WHERE "OFFENDER_MANAGER_ID" = :3 AND "ROW_VERSION" = :4`,
    );
    // The wall clock as text with an explicit mask: node-oracledb would bind a Date from its local fields.
    expect(bind).toEqual(['2022-07-28 10:30:54', 1, 5, 0]);
  });

  it("writes and compares an audit row's DATE_TIME as a TIMESTAMP with its milliseconds (AU1), and reads it back as one", () => {
    const options: { returning: boolean; outBindAttributes?: Record<string, { type?: unknown }> } = {
      returning: true,
    };
    const stamp = new Date('2022-07-28T10:30:54.023Z');
    const { query, bind } = generator.insertQuery(
      'AUDITED_INTERACTION',
      { DATE_TIME: stamp, OUTCOME: 'P' },
      models.AuditedInteraction.getAttributes(),
      options,
    );
    expect(query).toContain(`VALUES (TO_TIMESTAMP(:1, 'YYYY-MM-DD HH24:MI:SS.FF3'),:2)`);
    expect(bind).toEqual(['2022-07-28 10:30:54.023', 'P']);
    const oracledb = (sequelize.connectionManager as unknown as { lib: Record<string, unknown> }).lib;
    expect(options.outBindAttributes?.['DATE_TIME']?.type).toBe(oracledb['DB_TYPE_TIMESTAMP']);
    const select = generator.selectQuery(
      'AUDITED_INTERACTION',
      { attributes: ['DATE_TIME'], where: { DATE_TIME: { [Op.gte]: stamp } } },
      models.AuditedInteraction,
    );
    expect(select).toContain(
      `"DATE_TIME" >= TO_TIMESTAMP('2022-07-28 10:30:54.023','YYYY-MM-DD HH24:MI:SS.FF3')`,
    );
  });

  it('inserts a contact returning its columns into out-binds, its CLOB notes as a CLOB (C12, P9)', () => {
    const options: {
      returning: boolean;
      outBindAttributes?: Record<string, { type: unknown; dir: unknown }>;
    } = {
      returning: true,
    };
    const { query, bind } = generator.insertQuery(
      'CONTACT',
      { CONTACT_ID: 1, NOTES: "Transfer Reason: Internal Transfer\nFrom Officer: O'Brien" },
      models.Contact.getAttributes(),
      options,
    );
    expect(query).toMatch(
      /^INSERT INTO "CONTACT" \("CONTACT_ID","NOTES"\) VALUES \(:1,:2\) RETURNING "CONTACT_ID",.*"NOTES".* INTO :3,/,
    );
    expect(bind).toEqual([1, "Transfer Reason: Internal Transfer\nFrom Officer: O'Brien"]);
    const oracledb = (sequelize.connectionManager as unknown as { lib: Record<string, unknown> }).lib;
    expect(options.outBindAttributes?.['NOTES']).toMatchObject({
      type: oracledb['CLOB'],
      dir: oracledb['BIND_OUT'],
    });
  });

  it('sets an IAPS flag with an update, or an insert when there is no row, in one block', () => {
    const { query, bind } = generator.upsertQuery(
      'IAPS_OFFENDER',
      { OFFENDER_ID: 5, IAPS_FLAG: 1 },
      { IAPS_FLAG: 1 },
      { OFFENDER_ID: 5 },
      models.IapsPerson,
      {
        upsertKeys: ['OFFENDER_ID'],
      },
    );
    expect(query).toMatch(
      /^DECLARE BEGIN UPDATE "IAPS_OFFENDER" SET "IAPS_FLAG"=:1 WHERE "OFFENDER_ID" = :2; +IF \( SQL%ROWCOUNT = 0 \) THEN INSERT INTO "IAPS_OFFENDER"/,
    );
    expect(bind).toEqual([1, 5, 5, 1]);
  });

  it('writes contact notes as a CLOB bind, never inlined', () => {
    const notes = "Transfer Reason: Internal Transfer\nFrom Officer: O'Brien";
    const { query, bind } = generator.insertQuery(
      'CONTACT',
      { CONTACT_ID: 1, NOTES: notes },
      models.Contact.getAttributes(),
      {},
    );
    expect(query).toContain('INSERT INTO "CONTACT" ("CONTACT_ID","NOTES") VALUES (:1,:2)');
    expect(query).not.toContain("O'Brien");
    expect(bind).toEqual([1, notes]);
  });

  it('bounds every round trip of an Oracle connection, a lock wait included, by the statement time limit', async () => {
    const connection: { callTimeout?: number; execute: () => Promise<void> } = {
      execute: () => Promise.resolve(),
    };
    await prepareOracleSession(connection, undefined, 1_234);
    expect(connection.callTimeout).toBe(1_234);
    await prepareOracleSession(connection, undefined);
    expect(connection.callTimeout).toBe(statementTimeoutMs);
  });

  it('bounds every PostgreSQL statement and lock wait by the statement time limit', async () => {
    const postgres = createSequelize(
      { url: 'postgres://delius@127.0.0.1:1/delius', statementTimeoutMs: 1_234 },
      testLogger,
    );
    expect(
      (postgres as unknown as { options: { dialectOptions: unknown } }).options.dialectOptions,
    ).toMatchObject({ statement_timeout: 1_234, lock_timeout: 1_234 });
    await postgres.close();
  });

  it("prepares every connection by identifying it to Delius as the service (C15), and changes none of the session's zone or formats", async () => {
    const statements: [string, object | undefined][] = [];
    const connection = {
      execute: (sql: string, binds?: object) => Promise.resolve(statements.push([sql, binds])),
    };
    await prepareOracleSession(connection, 'HMPPSAllocations');
    expect(statements).toEqual([
      ['BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:user); END;', { user: 'HMPPSAllocations' }],
    ]);
    expect(sequelize.hasHook('afterConnect')).toBe(true);
  });

  it('hands node-oracledb a connect string, a tnsnames folder and a TCPS wallet, and the pool its settings', async () => {
    const configured = createSequelize(
      databaseSettingsOf(
        loadConfig({
          ...minimalEnv,
          DATABASE_URL: 'oracle://delius_app:secret@unused:1521/UNUSED',
          ORACLE_CONNECT_STRING:
            '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=delius-db)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=DNDA)))',
          ORACLE_CONFIG_DIR: '/etc/oracle',
          ORACLE_WALLET_LOCATION: '/etc/oracle/wallet',
          ORACLE_WALLET_PASSWORD: 'wallet-secret',
          DATABASE_POOL_MAX: '8',
          DATABASE_POOL_MIN: '2',
        }),
      ),
      testLogger,
    );
    expect(configured.config.dialectOptions).toEqual({
      connectString:
        '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=delius-db)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=DNDA)))',
      configDir: '/etc/oracle',
      walletLocation: '/etc/oracle/wallet',
      walletPassword: 'wallet-secret',
    });
    expect(configured.config.pool).toMatchObject({ max: 8, min: 2, idle: 10_000, acquire: 30_000 });
    expect(configured.config.username).toBe('delius_app');
    await configured.close();
  });

  it('prepares each connection it opens through the hook, so every path runs identified (C15)', async () => {
    const identified = createSequelize(
      { url: 'oracle://delius:secret@127.0.0.1:1/DNDA', clientIdentifier: 'HMPPSAllocations' },
      testLogger,
    );
    const statements: string[] = [];
    const connection = { execute: (sql: string) => Promise.resolve(statements.push(sql)) };
    await (identified as unknown as { runHooks(name: string, ...args: unknown[]): Promise<void> }).runHooks(
      'afterConnect',
      connection,
      {},
    );
    await identified.close();
    expect(statements).toEqual(['BEGIN PKG_VPD_CTX.SET_CLIENT_IDENTIFIER(:user); END;']);
  });

  it('reads DATE and TIMESTAMP columns as dates and takes their local fields as the wall clock, whatever the process zone', () => {
    const driver: OracleDriver = {
      DB_TYPE_DATE: 'date',
      DB_TYPE_TIMESTAMP: 'ts',
      initOracleClient: () => undefined,
    };
    const handler = oracleFetchTypeHandler(driver);
    // Thin mode turns a DATE fetched as a string into Date.toString() on the client: the type stays DATE.
    expect(handler({ dbType: 'date' })).toEqual({ type: 'date', converter: wallClockFromLocalFields });
    expect(handler({ dbType: 'ts' })?.type).toBe('ts');
    expect(handler({ dbType: 'number' })).toBeUndefined();
    // What the driver builds from the fields 2022-07-28 10:30:54 in the process's zone.
    const fromDriver = new Date(2022, 6, 28, 10, 30, 54);
    expect(wallClockFromLocalFields(fromDriver)?.toISOString()).toBe('2022-07-28T10:30:54.000Z');
    expect(wallClockFromLocalFields(new Date(2022, 9, 30, 1, 30, 0, 500))?.toISOString()).toBe(
      '2022-10-30T01:30:00.500Z',
    );
    expect(wallClockFromLocalFields(null)).toBeNull();
    expect(() => wallClockFromLocalFields('28-JUL-22')).toThrow(
      'unexpected Oracle date value of type string',
    );
  });

  it('asks Delius for the caseload rebuild and sequence values with the Oracle statements (C16)', async () => {
    const sent: [string, unknown][] = [];
    const recording = Object.create(sequelize) as typeof sequelize;
    recording.query = ((sql: string, options: { replacements?: unknown }) => {
      sent.push([sql, options.replacements]);
      return Promise.resolve([{ ID: 7 }]);
    }) as typeof sequelize.query;
    const dialect = deliusDialect(recording);
    await dialect.rebuildCaseload(5);
    expect(await dialect.nextId('OFFENDER_MANAGER_ID_SEQ', {} as never)).toBe(7);
    expect(sent).toEqual([
      ['BEGIN PKG_TRIGGERSUPPORT.PROCREBUILDOPTTABLES(:personId); END;', { personId: 5 }],
      ['SELECT OFFENDER_MANAGER_ID_SEQ.NEXTVAL AS ID FROM DUAL', {}],
    ]);
    expect(() => dialect.nextId('X; DROP TABLE STAFF', {} as never)).toThrow('not a sequence name');
    // A new row's id: the sequence inside the INSERT, with no statement of its own.
    expect(dialect.idForInsert('CONTACT_ID_SEQ')).toEqual(literal('CONTACT_ID_SEQ.NEXTVAL'));
    expect(sent).toHaveLength(2);
    expect(() => dialect.idForInsert('X; DROP TABLE STAFF')).toThrow('not a sequence name');
  });
});
