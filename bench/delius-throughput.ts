// Allocations per second applied directly through the Delius module on PostgreSQL: the database limit that
// the pipeline's end-to-end figures are compared with. `npm run bench:delius [-- --owners 400]`.
// Needs the local stack's PostgreSQL (`npm run infra:up`, or POSTGRES_URL).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { readStackEnv } from '../infra/stack.ts';
import { createSequelize } from '../src/db/sequelize.ts';
import { applyAllocation, type AllocationRequest } from '../src/delius/apply-allocation.ts';
import { openDeliusDb } from '../src/delius/delius-db.ts';
import { buildDeliusSchema } from '../src/delius/schema/build-schema.ts';
import { seedExampleData } from '../src/delius/schema/example-data.ts';
import { auditUserName, seedReferenceData } from '../src/delius/schema/reference-data.ts';
import { allocationKinds, parseAllocationDetail } from '../src/domain/allocation-detail.ts';
import { createLogger } from '../src/observability/logger.ts';

const { values } = parseArgs({ options: { owners: { type: 'string', default: '400' } } });
const owners = Number(values.owners);
const url =
  process.env['POSTGRES_URL'] ??
  (await readStackEnv())?.['POSTGRES_URL'] ??
  'postgres://postgres@127.0.0.1:5432/allocations_test';
const schema = `bench_${Date.now()}`;
const logger = createLogger({ level: 'warn' });

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA "${schema}"`);

function requestFor(index: number, createdDate: string, staffCode: string): AllocationRequest {
  const kind = allocationKinds[index % allocationKinds.length] ?? 'PERSON';
  const crn = `B${String(index).padStart(6, '0')}`;
  const common = { id: `bench-${index}`, staffCode, teamCode: 'N02ABS', createdDate };
  const body = {
    PERSON: { ...common, crn },
    EVENT: { ...common, eventNumber: 1 },
    REQUIREMENT: { ...common, eventNumber: 1, requirementId: 100_000 + index },
    LICENCE_CONDITION: { ...common, eventNumber: 1, licenceConditionId: 200_000 + index },
  }[kind];
  return { ...parseAllocationDetail(body), messageCrn: crn };
}

async function run(label: string, poolMax: number, createdDate: string, staffCode: string) {
  const sequelize = createSequelize({ url, schema, poolMax }, logger);
  const db = await openDeliusDb({ sequelize, auditUserName, logger });
  const requests = Array.from({ length: owners }, (_, index) => requestFor(index, createdDate, staffCode));
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: poolMax }, async () => {
      while (next < requests.length) {
        const request = requests[next++] as AllocationRequest;
        const begin = performance.now();
        const outcome = await applyAllocation(db, request);
        latencies.push(performance.now() - begin);
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await sequelize.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1);
  console.log(
    `${label.padEnd(26)} ${String(owners).padStart(5)} allocations in ${seconds.toFixed(2)} s = ${(owners / seconds).toFixed(1)}/s` +
      `  latency p50 ${at(0.5)} ms p95 ${at(0.95)} ms  outcomes ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}

try {
  const setup = createSequelize({ url, schema, poolMax: 4 }, logger);
  const models = await buildDeliusSchema(setup);
  await seedReferenceData(models);
  const { fixtures } = await seedExampleData(models);
  const start = new Date(Date.UTC(2022, 6, 1, 10, 30));
  const managers = [{ staff: 'N02UATU', team: 'N02UAT', start }];
  const seedStarted = performance.now();
  for (let index = 0; index < owners; index += 1) {
    const crn = `B${String(index).padStart(6, '0')}`;
    await fixtures.person({ crn, managers });
    await fixtures.event({ crn, number: '1', managers });
    await fixtures.requirement({
      id: 100_000 + index,
      crn,
      eventNumber: '1',
      managers,
      main: index % 8 === 2 ? '7' : 'W',
    });
    await fixtures.licenceCondition({ id: 200_000 + index, crn, eventNumber: '1', managers });
  }
  await setup.close();
  console.log(
    `seeded ${owners} people, each with an event, a requirement and a licence condition, in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  console.log(
    `node ${process.version}, PostgreSQL at ${new URL(url).host}, mix: the four kinds in turn, one owner each`,
  );

  await run('1 connection', 1, '2022-08-01T10:00:00+01:00', 'N02ABS1');
  await run('pool of 4, 4 in flight', 4, '2022-09-01T10:00:00+01:00', 'N02ABSX');
  console.log(`rss ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MiB`);
} finally {
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}
