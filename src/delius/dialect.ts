import { literal, QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Literal } from 'sequelize/lib/utils';
import type { Dialect } from '../db/sequelize.ts';

/**
 * The few statements that differ between production's Oracle and the PostgreSQL used for tests and local runs
 * (a server, or the embedded PGlite). Everything else goes through the models, which Sequelize renders for each dialect.
 *
 * On PostgreSQL the Delius packages do not exist: the schema builder (`schema/build-schema.ts`)
 * creates a recording stand-in for the caseload rebuild, so tests can see each call.
 */
export interface DeliusDialect {
  readonly name: Dialect;
  /** The next value of a Delius sequence, e.g. `OFFENDER_MANAGER_ID_SEQ`, in a statement of its own. */
  nextId(sequence: string, transaction: Transaction): Promise<number>;
  /**
   * The id for a new row: the sequence's next value inside the INSERT, read back with the row (RETURNING … INTO
   * on Oracle, RETURNING on PostgreSQL), so an id costs no round trip.
   */
  idForInsert(sequence: string): Literal;
  /** C16: PKG_TRIGGERSUPPORT.PROCREBUILDOPTTABLES, after a commit. */
  rebuildCaseload(personId: number): Promise<void>;
}

const sequenceName = /^[A-Z][A-Z0-9_]*$/;

function checkedSequence(sequence: string): string {
  // Sequence names are identifiers, never bind parameters: refuse anything that is not a plain name.
  if (!sequenceName.test(sequence)) throw new Error(`not a sequence name: ${sequence}`);
  return sequence;
}

async function selectId(
  sequelize: Sequelize,
  sql: string,
  transaction: Transaction,
  replacements = {},
): Promise<number> {
  const rows = await sequelize.query<Record<string, unknown>>(sql, {
    type: QueryTypes.SELECT,
    transaction,
    replacements,
  });
  const value = rows[0] ? Object.values(rows[0])[0] : undefined;
  if (value === undefined || value === null) throw new Error(`no value from ${sql}`);
  return Number(value);
}

export function deliusDialect(sequelize: Sequelize): DeliusDialect {
  const name = sequelize.getDialect() as Dialect;
  switch (name) {
    case 'oracle':
      return {
        name,
        nextId: (sequence, transaction) =>
          selectId(sequelize, `SELECT ${checkedSequence(sequence)}.NEXTVAL AS ID FROM DUAL`, transaction),
        idForInsert: (sequence) => literal(`${checkedSequence(sequence)}.NEXTVAL`),
        async rebuildCaseload(personId) {
          await sequelize.query('BEGIN PKG_TRIGGERSUPPORT.PROCREBUILDOPTTABLES(:personId); END;', {
            replacements: { personId },
          });
        },
      };
    case 'postgres':
      return {
        name,
        nextId: (sequence, transaction) =>
          selectId(sequelize, `SELECT nextval('"${checkedSequence(sequence)}"') AS "ID"`, transaction),
        idForInsert: (sequence) => literal(`nextval('"${checkedSequence(sequence)}"')`),
        async rebuildCaseload(personId) {
          await sequelize.query('SELECT "PROCREBUILDOPTTABLES"(:personId)', { replacements: { personId } });
        },
      };
  }
}

/** Generated ids start here on test and local databases, clear of the ids fixtures choose themselves. */
export const firstGeneratedId = 1_000_001;
