import type { AllocationKind } from '../domain/allocation-detail.ts';
import type { DeliusDb } from './delius-db.ts';
import { findBusinessInteraction } from './lookups.ts';
import { londonWallClock, type WallClock } from './time.ts';

/** AU1: the business interaction each kind is audited as (delius-model §3.5). */
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
  /** When processing of this attempt started (AU1), to the millisecond. */
  readonly startedAt: WallClock;
  readonly outcome: 'P' | 'F';
  readonly parameters: ReadonlyMap<string, string>;
}

const collisionRetries = 5;

/**
 * AU4: one row per attempt, in a transaction of its own so that a failure's row survives the rollback of the
 * allocation. The key is (date_time, interaction, user): two attempts of one kind in the same millisecond
 * would collide, so the later one moves on by a millisecond. AU5: an audit that cannot be written is logged,
 * and never changes the allocation's outcome (as in the original, where it ran on a background thread).
 */
export async function writeAudit(db: DeliusDb, record: AuditRecord): Promise<boolean> {
  const code = businessInteractionCode[record.kind];
  try {
    return await db.sequelize.transaction(async (transaction) => {
      const interaction = await findBusinessInteraction(
        { db, transaction },
        code,
        londonWallClock(db.clock()),
      );
      if (!interaction) throw new Error(`business interaction ${code} not found or not enabled`);
      for (let attempt = 0; attempt < collisionRetries; attempt += 1) {
        const dateTime = new Date(record.startedAt.getTime() + attempt);
        const clash = await db.models.AuditedInteraction.count({
          where: {
            dateTime,
            businessInteractionId: interaction.get({ plain: true }).id,
            userId: db.auditUser.id,
          },
          transaction,
        });
        if (clash > 0) continue;
        await db.models.AuditedInteraction.create(
          {
            dateTime,
            businessInteractionId: interaction.get({ plain: true }).id,
            userId: db.auditUser.id,
            outcome: record.outcome,
            parameters: formatAuditParameters(record.parameters),
          },
          { transaction },
        );
        return true;
      }
      throw new Error(
        `no free audit time within ${collisionRetries} ms of ${record.startedAt.toISOString()}`,
      );
    });
  } catch (error) {
    db.logger.error(
      { err: error, interaction: code, outcome: record.outcome },
      'could not write the audit row',
    );
    return false;
  }
}
