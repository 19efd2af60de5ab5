// A local Delius made ready to allocate into: the tables, reference data and sample people, once. Used by
// `npm run dev` (its embedded PGlite) and by compose's `delius-setup` (its PostgreSQL container).
import { QueryTypes, type Sequelize } from 'sequelize';
import { buildDeliusSchema } from './delius-schema/build-schema.ts';
import { seedExampleData } from './delius-schema/example-data.ts';
import { seedReferenceData } from './delius-schema/reference-data.ts';

/** The sample people the examples allocate. */
export const samplePeople = ['X123456', 'T123456', 'T223456'] as const;

/** How many people Delius holds, 0 where its tables are not built yet. */
async function peopleIn(sequelize: Sequelize): Promise<number> {
  // Two statements: PostgreSQL resolves every table a statement names before it runs any of it.
  const [table] = await sequelize.query<{ name: string | null }>(`SELECT to_regclass('"OFFENDER"') AS name`, {
    type: QueryTypes.SELECT,
  });
  if (!table?.name) return 0;
  const [row] = await sequelize.query<{ count: string }>('SELECT count(*) AS count FROM "OFFENDER"', {
    type: QueryTypes.SELECT,
  });
  return Number(row?.count ?? 0);
}

/**
 * Builds and seeds Delius unless a run before finished doing so (seeding the people is its last step), and says
 * which it was.
 */
export async function prepareLocalDelius(sequelize: Sequelize): Promise<'created' | 'existing'> {
  if ((await peopleIn(sequelize)) > 0) return 'existing';
  const models = await buildDeliusSchema(sequelize);
  await seedReferenceData(models);
  await seedExampleData(models);
  return 'created';
}
