// Compose's `delius-setup` service: makes the PostgreSQL Delius at DATABASE_URL ready to allocate into (tables,
// reference data, the sample people), once; a later run finds it ready and changes nothing. DATABASE_SCHEMA
// names a schema to make it in (created if missing), as the service's own setting of that name reads it.
import { z } from 'zod';
import { createSequelize } from '../../src/db/sequelize.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { prepareLocalDelius, samplePeople } from '../local-delius.ts';

const env = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:/, 'a postgres: URL'),
    DATABASE_SCHEMA: z.string().optional(),
  })
  .parse(process.env);
const logger = createLogger({ level: 'warn' });
if (env.DATABASE_SCHEMA) {
  const connection = createSequelize({ url: env.DATABASE_URL, poolMax: 1 }, logger);
  await connection.query(`CREATE SCHEMA IF NOT EXISTS "${env.DATABASE_SCHEMA.replaceAll('"', '""')}"`);
  await connection.close();
}
const sequelize = createSequelize(
  { url: env.DATABASE_URL, poolMax: 1, ...(env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {}) },
  logger,
);
try {
  const prepared = await prepareLocalDelius(sequelize);
  console.log(
    prepared === 'created'
      ? `created the local Delius: reference data and the people ${samplePeople.join(', ')}`
      : 'the local Delius is ready already: nothing changed',
  );
} finally {
  await sequelize.close();
}
