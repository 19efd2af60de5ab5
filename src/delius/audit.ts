import { Op } from 'sequelize';
import type { AllocationKind } from '../domain/allocation-detail.ts';
import { writeOptions } from './allocation-context.ts';
import type { DeliusDb } from './delius-db.ts';
import { findBusinessInteraction } from './lookups.ts';
import { londonWallClock, plusMilliseconds, type WallClock } from './time.ts';
import { isUniqueViolation } from '../db/database-errors.ts';
import { messageOf } from '../domain/errors.ts';

/** AU1: the business interaction each kind is audited as (delius-model.md §3.5). */
export const businessInteractionCode: Record<AllocationKind, string> = {
  PERSON: 'CABI231',
  EVENT: 'CABI041',
  REQUIREMENT: 'CABI038',
  LICENCE_CONDITION: 'CABI038',
};

/** AU3: `key='value'` pairs joined by `,`, in the order they were learnt. */
export function formatAuditParameters(parameters: ReadonlyMap<string, string>): string {
  return [...parameters].map(([key, value]) => `${key}='${value}'`).join(',');
}

export interface AuditRecord {
  readonly kind: AllocationKind;
  /** When processing of this attempt started (AU1). */
  readonly startedAt: WallClock;
  readonly outcome: 'P' | 'F';
  readonly parameters: ReadonlyMap<string, string>;
}

const collisionRetries = 100;
/** The key's resolution as the service writes it: a millisecond. */
const step = 1;

/**
 * Per database and interaction, the latest time this process has written an audit row at. A burst of one kind
 * (the order window letting a backlog go, a replay) would otherwise probe every taken time again for each row:
 * the k-th row of a burst k inserts, and past a hundred the row is lost. Starting after the latest time taken
 * makes it one insert a row; another process's rows are still stepped over by the probe below.
 */
const latestWritten = new WeakMap<DeliusDb, Map<number, number>>();

/**
 * AU1: each row is stamped with the moment its attempt started, to the millisecond. Delius's key is
 * (date_time, interaction, user) and its DATE_TIME is a TIMESTAMP (the original writes the instant it started,
 * with its fraction), so attempts of one kind collide only within the same millisecond; a colliding insert moves
 * on by a millisecond and tries again (each try in a fresh transaction, since a failed statement spoils a
 * PostgreSQL transaction). A burst of k attempts started in one millisecond is stamped over k milliseconds,
 * which keeps every row and its order, and keeps each within a few milliseconds of its attempt.
 * AU4: one row per attempt, in a transaction of its own so that a failure's row survives the rollback of the
 * allocation. AU5: an audit that cannot be written is logged, and never changes the allocation's outcome (as in
 * the original, where it ran on a background thread).
 */
async function latestAuditFrom(
  db: DeliusDb,
  row: { businessInteractionId: number; userId: number },
  from: WallClock,
): Promise<WallClock | undefined> {
  const latest = await db.models.AuditedInteraction.findOne({
    attributes: ['dateTime'],
    where: {
      dateTime: { [Op.gte]: from },
      businessInteractionId: row.businessInteractionId,
      userId: row.userId,
    },
    order: [['dateTime', 'DESC']],
  });
  return latest?.get({ plain: true }).dateTime;
}

export async function writeAudit(db: DeliusDb, record: AuditRecord): Promise<boolean> {
  const code = businessInteractionCode[record.kind];
  try {
    const interaction = await findBusinessInteraction(db, code, londonWallClock(db.clock()));
    if (!interaction) throw new Error(`business interaction ${code} not found or not enabled`);
    const row = {
      businessInteractionId: interaction.id,
      userId: db.auditUser.id,
      outcome: record.outcome,
      parameters: formatAuditParameters(record.parameters),
    };
    const taken = latestWritten.get(db) ?? new Map<number, number>();
    latestWritten.set(db, taken);
    const started = record.startedAt;
    const latest = taken.get(row.businessInteractionId);
    const first =
      latest !== undefined && latest >= started.getTime()
        ? plusMilliseconds(started, latest + step - started.getTime())
        : started;
    const markTaken = (time: WallClock) =>
      taken.set(
        row.businessInteractionId,
        Math.max(taken.get(row.businessInteractionId) ?? 0, time.getTime()),
      );
    let dateTime = first;
    for (let attempt = 0; ; attempt += 1) {
      try {
        // One INSERT, committed on its own: no transaction of its own to begin and commit around it.
        await db.models.AuditedInteraction.create({ ...row, dateTime }, writeOptions());
        markTaken(dateTime);
        return true;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt + 1 >= collisionRetries) throw error;
        markTaken(dateTime);
        // Taken by another process, or by this one before a restart: on the first collision, jump past the latest
        // row of the kind from this time on (a short range of the key's leading column); then step on.
        const latest = attempt === 0 ? await latestAuditFrom(db, row, dateTime) : undefined;
        dateTime = plusMilliseconds(
          latest && latest.getTime() >= dateTime.getTime() ? latest : dateTime,
          step,
        );
      }
    }
  } catch (error) {
    db.logger.error(
      {
        interaction: code,
        outcome: record.outcome,
        error: messageOf(error),
      },
      'could not write the audit row',
    );
    return false;
  }
}
