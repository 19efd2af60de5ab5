import type { Sequelize } from 'sequelize';
import type { Logger } from '../observability/logger.ts';
import { deliusDialect, type DeliusDialect } from './dialect.ts';
import { defineDeliusModels, type DeliusModels } from './models/index.ts';
import { systemClock, type Clock } from './time.ts';
import { messageOf } from '../domain/errors.ts';
import { oracleProblems } from './oracle-prerequisites.ts';
import { defaultReferenceDataTtlMs, referenceCache, type ReferenceCache } from './reference-cache.ts';

/** Everything an allocation needs from Delius, built once by the composition root. */
export interface DeliusDb {
  readonly sequelize: Sequelize;
  readonly models: DeliusModels;
  readonly dialect: DeliusDialect;
  /** The service's Delius user (rule C15, §3.7): every created/updated-by column and audit row names it. */
  readonly auditUser: { readonly id: number; readonly name: string };
  readonly clock: Clock;
  readonly logger: Logger;
  /** Reference data read once per time to live (reference-cache.ts). */
  readonly referenceData: ReferenceCache;
}

export interface DeliusDbOptions {
  readonly sequelize: Sequelize;
  readonly auditUserName: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** How long reference data read from Delius is used before it is read again; 0 reads it every time. */
  readonly referenceDataTtlMs?: number;
}

/**
 * Binds the models and checks what the service relies on: the audit user, and on Oracle the sequences, the
 * packages and DBTIMEZONE (oracle-prerequisites.ts). Start-up fails here with one line for each thing Delius
 * lacks, so that all of them can be put right at once.
 */
export async function openDeliusDb(options: DeliusDbOptions): Promise<DeliusDb> {
  const models = defineDeliusModels(options.sequelize);
  const user = await models.User.findOne({ where: { name: options.auditUserName } }).catch(
    (error: unknown) => {
      // No such table is a database that is not Delius (or not its schema): say so, not just "Error".
      if ((error as { name?: string }).name !== 'SequelizeDatabaseError') throw error;
      throw new Error(
        `cannot read Delius's USER_ table (${messageOf(error)}): is DATABASE_URL (and DATABASE_SCHEMA) the Delius database?`,
        { cause: error },
      );
    },
  );
  const problems =
    options.sequelize.getDialect() === 'oracle'
      ? await oracleProblems(options.sequelize, options.logger)
      : [];
  if (!user)
    problems.unshift(`the audit user ${options.auditUserName} is not in Delius (USER_.DISTINGUISHED_NAME)`);
  if (!user || problems.length > 0)
    throw new Error(
      problems.length === 1
        ? (problems[0] ?? '')
        : `Delius lacks what the service relies on:\n${problems.map((problem) => `- ${problem}`).join('\n')}`,
    );
  return {
    sequelize: options.sequelize,
    models,
    dialect: deliusDialect(options.sequelize),
    auditUser: { id: user.get({ plain: true }).id, name: options.auditUserName },
    clock: options.clock ?? systemClock,
    logger: options.logger,
    referenceData: referenceCache(options.referenceDataTtlMs ?? defaultReferenceDataTtlMs),
  };
}
