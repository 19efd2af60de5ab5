// No Oracle server can run here, so this renders the statements the Delius module sends, with Sequelize's
// Oracle dialect and no connection, and checks them for what production relies on. The session set-up is
// checked against a recording stand-in for a connection (pure logic).
import { Op, type Sequelize } from 'sequelize';
import { createSequelize, oracleSessionAtUtc } from '../../src/db/sequelize.ts';
import { defineDeliusModels } from '../../src/delius/models/index.ts';
import { testLogger } from '../support/isolation.ts';

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
    expect(sql).toContain(
      `"OFFENDER_MANAGER"."ALLOCATION_DATE" <= TO_TIMESTAMP_TZ('2022-07-28 10:30:54.023 +00:00'`,
    );
    expect(sql).toContain('FETCH NEXT 2 ROWS ONLY');
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
      'UPDATE "OFFENDER_MANAGER" SET "END_DATE"=:1,"ROW_VERSION"=:2 WHERE "OFFENDER_MANAGER_ID" = :3 AND "ROW_VERSION" = :4',
    );
    expect(bind).toEqual([at, 1, 5, 0]);
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

  it('puts every session at UTC, so wall-clock times are written and compared as they are', async () => {
    const statements: string[] = [];
    await oracleSessionAtUtc({ execute: (sql: string) => Promise.resolve(statements.push(sql)) });
    expect(statements).toEqual(["ALTER SESSION SET TIME_ZONE = '+00:00'"]);
    expect(sequelize.hasHook('afterConnect')).toBe(true);
  });
});
