// Compose's `workload-api` service (also `node infra/compose/workload-api-server.ts` on a machine): the local
// Workload API and HMPPS Auth serving the example details, until stopped. PORT (9090), HOST (0.0.0.0),
// HMPPS_AUTH_CLIENT_ID and HMPPS_AUTH_CLIENT_SECRET: the credentials the service is given.
import { z } from 'zod';
import { examplesDir } from '../examples.ts';
import { startWorkloadApi } from '../workload-api.ts';

const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(9090),
    HOST: z.string().default('0.0.0.0'),
    HMPPS_AUTH_CLIENT_ID: z.string().min(1).default('workforce-allocations-to-delius'),
    HMPPS_AUTH_CLIENT_SECRET: z.string().min(1),
  })
  .parse(process.env);

const api = await startWorkloadApi({
  port: env.PORT,
  host: env.HOST,
  clientId: env.HMPPS_AUTH_CLIENT_ID,
  clientSecret: env.HMPPS_AUTH_CLIENT_SECRET,
});
const served = await api.registerExamples(examplesDir);
console.log(`local Workload API and HMPPS Auth listening at ${api.url} (${served} example details)`);
const stop = () => void api.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
