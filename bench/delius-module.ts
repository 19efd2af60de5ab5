// One run of the Delius module alone, for `npm run bench` (bench/run.ts), as a process of its own so that its
// CPU time is its own. `--seed N` builds a Delius schema with N owners; `--round R` allocates each owner once
// more, `--pool` at a time. `--root` names the source tree whose module runs (a git worktree of an earlier
// commit, to compare with): the schema is always built by this tree. Prints one JSON line.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AllocationRequest } from '../src/delius/apply-allocation.ts';
import type { AllocationKind } from '../src/domain/allocation-detail.ts';
import { parseAllocationDetail } from '../src/domain/allocation-detail.ts';
import { createLogger } from '../src/observability/logger.ts';
import { allocationBody, crnOf, kindOf, seedOwners } from './mix.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '.' },
    url: { type: 'string' },
    schema: { type: 'string' },
    seed: { type: 'string' },
    round: { type: 'string' },
    owners: { type: 'string', default: '1000' },
    pool: { type: 'string', default: '1' },
  },
});
const url = values.url ?? '';
const schema = values.schema ?? '';
if (!url || !schema) throw new Error('--url and --schema are required');
const logger = createLogger({ level: 'warn' });
const prefix = 'B';

type Imported = Record<string, (...args: never[]) => unknown>;
async function load(root: string, file: string): Promise<Imported> {
  return (await import(pathToFileURL(path.resolve(root, file)).href)) as Imported;
}

/** The test and local schema's builders: in infra/ now, in src/delius/schema/ in revisions before the move. */
function schemaFile(root: string, name: string): string {
  const moved = path.join('infra/delius-schema', name);
  return existsSync(path.resolve(root, moved)) ? moved : path.join('src/delius/schema', name);
}

if (values.seed) {
  const { createSequelize } = await load('.', 'src/db/sequelize.ts');
  const { buildDeliusSchema } = await load('.', schemaFile('.', 'build-schema.ts'));
  const { seedReferenceData } = await load('.', schemaFile('.', 'reference-data.ts'));
  const { seedExampleData } = await load('.', schemaFile('.', 'example-data.ts'));
  const started = performance.now();
  const sequelize = (createSequelize as (...args: unknown[]) => { close(): Promise<void> })(
    { url, schema, poolMax: 4 },
    logger,
  );
  const models = await (buildDeliusSchema as (...args: unknown[]) => Promise<unknown>)(sequelize);
  await (seedReferenceData as (...args: unknown[]) => Promise<unknown>)(models);
  const { fixtures } = (await (seedExampleData as (...args: unknown[]) => Promise<unknown>)(models)) as {
    fixtures: Parameters<typeof seedOwners>[0];
  };
  await seedOwners(fixtures, prefix, Number(values.seed));
  await sequelize.close();
  console.log(JSON.stringify({ seeded: Number(values.seed), seconds: (performance.now() - started) / 1000 }));
  process.exit(0);
}

const round = Number(values.round ?? '1');
const owners = Number(values.owners);
const pool = Number(values.pool);
const { createSequelize } = await load(values.root, 'src/db/sequelize.ts');
const { openDeliusDb } = await load(values.root, 'src/delius/delius-db.ts');
const { applyAllocation } = await load(values.root, 'src/delius/apply-allocation.ts');
const { auditUserName } = (await import(
  pathToFileURL(path.resolve(values.root, schemaFile(values.root, 'reference-data.ts'))).href
)) as { auditUserName: string };

interface Sequelize {
  close(): Promise<void>;
  options: { logging: unknown };
}
const sequelize = (createSequelize as (...args: unknown[]) => Sequelize)(
  { url, schema, poolMax: pool },
  logger,
);
const db = await (openDeliusDb as (...args: unknown[]) => Promise<unknown>)({
  sequelize,
  auditUserName,
  logger,
});
const apply = applyAllocation as (db: unknown, request: AllocationRequest) => Promise<{ status: string }>;

const requests = Array.from({ length: owners }, (_, index) => ({
  ...parseAllocationDetail(allocationBody(prefix, index, round)),
  messageCrn: crnOf(prefix, index),
}));
// Statements per kind, counted where one allocation is in flight at a time (pool 1).
const statements = new Map<AllocationKind, { statements: number; allocations: number }>();
let inFlight: AllocationKind | undefined;
if (pool === 1)
  sequelize.options.logging = () => {
    if (!inFlight) return;
    const entry = statements.get(inFlight) ?? { statements: 0, allocations: 0 };
    entry.statements += 1;
    statements.set(inFlight, entry);
  };
const statuses = new Map<string, number>();
let next = 0;
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
await Promise.all(
  Array.from({ length: pool }, async () => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index] as AllocationRequest;
      inFlight = kindOf(index);
      const outcome = await apply(db, request);
      if (pool === 1) {
        const entry = statements.get(kindOf(index)) ?? { statements: 0, allocations: 0 };
        entry.allocations += 1;
        statements.set(kindOf(index), entry);
      }
      inFlight = undefined;
      statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    }
  }),
);
const seconds = (performance.now() - startedAt) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await sequelize.close();
console.log(
  JSON.stringify({
    root: values.root,
    pool,
    owners,
    round,
    seconds,
    rate: owners / seconds,
    cpuMsPerAllocation: (cpu.user + cpu.system) / 1000 / owners,
    outcomes: Object.fromEntries(statuses),
    statementsPerAllocation: Object.fromEntries(
      [...statements].map(([kind, entry]) => [kind, entry.statements / Math.max(1, entry.allocations)]),
    ),
    rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  }),
);
