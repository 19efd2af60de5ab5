import { QueryTypes, type Sequelize } from 'sequelize';
import { firstLineOf } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { deliusSequences } from './sequences.ts';

/** The Delius packages the service calls: the client identifier on every connection (C15), the caseload rebuild (C16). */
const deliusPackages = ['PKG_VPD_CTX', 'PKG_TRIGGERSUPPORT'] as const;

/**
 * What the service relies on in an Oracle Delius beyond its tables, checked once at start-up so that a missing
 * grant or synonym is one clear line each rather than every allocation failing: the sequences it takes ids from
 * (each asked for a value, as an INSERT will: a gap in a Delius sequence is harmless), the packages it calls, and
 * DBTIMEZONE, which thin mode reads at login. A region name there is fine (the service binds no TIMESTAMP WITH
 * LOCAL TIME ZONE, which thin mode cannot use then) and is logged with the zone, as anyone reading dates would
 * want to know it.
 */
export async function oracleProblems(sequelize: Sequelize, logger: Logger): Promise<string[]> {
  const problems: string[] = [];
  const select = (sql: string) =>
    sequelize.query<Record<string, unknown>>(sql, { type: QueryTypes.SELECT, raw: true });

  try {
    const [row] = await select('SELECT DBTIMEZONE FROM DUAL');
    const zone = typeof row?.['DBTIMEZONE'] === 'string' ? row['DBTIMEZONE'] : '';
    const region = !/^[+-]\d{2}:\d{2}$/.test(zone);
    logger.info(
      { dbTimeZone: zone },
      region
        ? `Oracle DBTIMEZONE is the region ${zone}: fine, the service binds no TIMESTAMP WITH LOCAL TIME ZONE`
        : `Oracle DBTIMEZONE is ${zone}`,
    );
  } catch (error) {
    problems.push(`cannot read DBTIMEZONE (${firstLineOf(error)})`);
  }

  for (const sequence of Object.values(deliusSequences)) {
    try {
      await select(`SELECT ${sequence}.NEXTVAL FROM DUAL`);
    } catch (error) {
      problems.push(
        `the sequence ${sequence} is missing or not granted (${firstLineOf(error)}): grant SELECT on it, with a synonym`,
      );
    }
  }

  try {
    const rows = await select(
      `SELECT OBJECT_NAME FROM ALL_OBJECTS WHERE OBJECT_TYPE = 'PACKAGE' AND OBJECT_NAME IN (${deliusPackages
        .map((name) => `'${name}'`)
        .join(', ')})`,
    );
    const found = new Set(rows.map((row) => row['OBJECT_NAME']));
    for (const name of deliusPackages)
      if (!found.has(name))
        problems.push(`the package ${name} is missing or not granted: grant EXECUTE on it`);
  } catch (error) {
    problems.push(`cannot list the packages the service calls (${firstLineOf(error)})`);
  }
  return problems;
}
