import type { Transaction } from 'sequelize';
import type { DeliusDb } from './delius-db.ts';
import { directory, type Directory } from './directory.ts';
import { londonWallClock, toSeconds, type WallClock } from './time.ts';

/**
 * One allocation attempt inside its transaction: what the kind modules share. Its queries run one after
 * another, never in parallel: a transaction is one connection, which neither pg nor oracledb multiplexes.
 */
export interface AllocationContext {
  readonly db: DeliusDb;
  readonly transaction: Transaction;
  /** `createdDate` as London wall-clock time (C14). */
  readonly at: WallClock;
  /** Staff and teams read once per allocation. */
  readonly directory: Directory;
  /** AU3: the audit row's parameters, in the order they were learnt. */
  readonly auditParameters: Map<string, string>;
  /** C16: the person whose caseload Delius rebuilds once the transaction commits. */
  rebuildCaseloadAfterCommit(personId: number): void;
  /** Now, London wall clock to the second, for created/updated columns and active flags. */
  now(): WallClock;
  /** created/updated columns for an insert. */
  created(): {
    createdDatetime: WallClock;
    lastUpdatedDatetime: WallClock;
    createdByUserId: number;
    lastUpdatedUserId: number;
  };
  /** updated columns for an update. */
  updated(): { lastUpdatedDatetime: WallClock; lastUpdatedUserId: number };
}

export function allocationContext(
  db: DeliusDb,
  transaction: Transaction,
  at: WallClock,
  auditParameters: Map<string, string>,
  onRebuild: (personId: number) => void,
): AllocationContext {
  const now = () => toSeconds(londonWallClock(db.clock()));
  return {
    db,
    transaction,
    at,
    directory: directory(db.models, transaction),
    auditParameters,
    rebuildCaseloadAfterCommit: onRebuild,
    now,
    created() {
      const time = now();
      return {
        createdDatetime: time,
        lastUpdatedDatetime: time,
        createdByUserId: db.auditUser.id,
        lastUpdatedUserId: db.auditUser.id,
      };
    },
    updated() {
      return { lastUpdatedDatetime: now(), lastUpdatedUserId: db.auditUser.id };
    },
  };
}

/**
 * Options for the module's writes: Delius's own constraints check every row, and the models define no hooks, so
 * Sequelize's validation and hook passes are skipped: the module is bound by Node's CPU, most of it Sequelize's.
 */
export function writeOptions(transaction?: Transaction) {
  return { ...(transaction ? { transaction } : {}), validate: false, hooks: false } as const;
}
