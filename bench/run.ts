// `npm run bench [-- --allocations 5000 --repetitions 3 --baseline REV]`: throughput, CPU, statements, latency
// and memory in one run, on the local stack (started if it is not running). Each repetition runs, within the
// same minutes, the Delius module alone (pool 1, pool 4; and the baseline commit's module when --baseline names
// one, from a git worktree under .cache) and then the whole pipeline, its three stages as separate processes,
// preloaded with --allocations allocations on the queue (run from dist/, built first, as the image runs them).
// Three paced runs at half the pipeline's rate, of allocations made now, then give the latency with ordering off,
// the window alone and the watermark. The machine is shared: compare the ratios of one run, never absolute rates
// across runs.
// Prints its figures and appends one JSON line to bench/results.jsonl.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { rootDir } from '../infra/paths.ts';
import { stackDown, stackUp } from '../infra/stack.ts';
import { watermarkVouches } from '../src/kafka/watermark.ts';
import { productionNodeFlags } from '../src/node-flags.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
import { eventually } from '../test/support/eventually.ts';
import { testScope } from '../test/support/isolation.ts';
import { testPipeline, type TestPipeline } from '../test/support/pipeline.ts';
import { requireEnv, stackEnv, awsClients, queueDepth } from '../test/support/stack.ts';
import { allocationBody, crnOf, kindOf, seedOwners } from './mix.ts';

silenceKafkajsNegativeTimeoutWarning();
const { values } = parseArgs({
  options: {
    allocations: { type: 'string', default: '5000' },
    'module-allocations': { type: 'string', default: '1000' },
    repetitions: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'latency-seconds': { type: 'string', default: '30' },
    /** The paced run's rate; by default half the median steady rate of the repetitions. */
    'latency-rate': { type: 'string' },
  },
});
const allocations = Number(values.allocations);
const moduleAllocations = Number(values['module-allocations']);
const repetitions = Number(values.repetitions);
const latencySeconds = Number(values['latency-seconds']);
const stages = ['connector', 'processor', 'sink'] as const;
type Stage = (typeof stages)[number];
const say = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const git = (...args: string[]) => execFileSync('git', args, { cwd: rootDir, encoding: 'utf8' }).trim();

// --- Figures of one process, from /proc (Linux): CPU in ms and peak resident memory in MiB.
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}
function peakRssMiBOf(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}
/** The CPU of every process with this command name (postgres; java: the broker and the registry). */
function cpuMsOfAll(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) total += cpuMsOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
const load = () => Number(os.loadavg()[0]?.toFixed(2));

// --- Statistics.
const sorted = (numbers: readonly number[]) => [...numbers].sort((a, b) => a - b);
function median(numbers: readonly number[]): number {
  const s = sorted(numbers);
  if (s.length === 0) return Number.NaN;
  return ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
}
const spread = (numbers: readonly number[]) => ({
  min: round(Math.min(...numbers)),
  median: round(median(numbers)),
  max: round(Math.max(...numbers)),
});
const percentile = (numbers: readonly number[], p: number) => {
  const s = sorted(numbers);
  return round(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN);
};
function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

// --- The stack, the module's schema and the baseline's worktree.
const runStartedAt = performance.now();
const { started: stackStarted } = await stackUp();
const stack = await stackEnv();
const url = requireEnv(stack, 'POSTGRES_URL');
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const moduleSchema = `bench_module_${Date.now()}`;
await admin.query(`CREATE SCHEMA "${moduleSchema}"`);

const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain') !== '';
let baselineRoot: string | undefined;
let baselineCommit: string | undefined;
if (values.baseline) {
  baselineCommit = git('rev-parse', '--short', values.baseline);
  baselineRoot = path.join(rootDir, '.cache', 'bench-worktrees', baselineCommit);
  if (!existsSync(baselineRoot)) {
    await mkdir(path.dirname(baselineRoot), { recursive: true });
    git('worktree', 'add', '--detach', baselineRoot, baselineCommit);
  }
  // The same packages: the module's code is what is compared.
  if (!existsSync(path.join(baselineRoot, 'node_modules')))
    symlinkSync(path.join(rootDir, 'node_modules'), path.join(baselineRoot, 'node_modules'), 'dir');
}

function runNode(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: rootDir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(out.trim().split('\n').at(-1) ?? '')
        : reject(new Error(`${args.join(' ')}: ${code}`)),
    );
  });
}

interface ModuleRun {
  rate: number;
  cpuMsPerAllocation: number;
  statementsPerAllocation: Record<string, number>;
  outcomes: Record<string, number>;
}
let moduleRound = 0;
async function moduleRun(root: string, pool: number): Promise<ModuleRun & { load: [number, number] }> {
  moduleRound += 1;
  const before = load();
  const line = await runNode([
    'bench/delius-module.ts',
    '--root',
    root,
    '--url',
    url,
    '--schema',
    moduleSchema,
    '--round',
    String(moduleRound),
    '--owners',
    String(moduleAllocations),
    '--pool',
    String(pool),
  ]);
  const run = JSON.parse(line) as ModuleRun;
  if (run.outcomes['applied'] !== moduleAllocations)
    throw new Error(`the module did not apply every allocation: ${JSON.stringify(run.outcomes)}`);
  return { ...run, load: [before, load()] };
}

// --- The pipeline: its own queue, topics and Delius schema, the stages as processes of the real entry point.
const scope = testScope('bench');
const partitions = 6;
const pipeline: TestPipeline = await testPipeline(scope, {
  stages: [],
  visibilityTimeoutSeconds: 60,
  env: {
    LOG_LEVEL: 'info',
    TOPIC_PARTITIONS: String(partitions),
    DATABASE_POOL_MAX: '4',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    ...(process.env['BENCH_ORDER_WINDOW_SECONDS']
      ? { ORDER_WINDOW_SECONDS: process.env['BENCH_ORDER_WINDOW_SECONDS'] }
      : {}),
  },
});
const prefix = 'P';
const eventTypes = {
  PERSON: 'person.community.manager.allocated',
  EVENT: 'event.manager.allocated',
  REQUIREMENT: 'requirement.manager.allocated',
  LICENCE_CONDITION: 'licence-condition.manager.allocated',
} as const;

/**
 * Registers owner `index`'s detail for `round` on the Workload API and returns the domain event; `madeNow`: the
 * allocation is made at this moment (its createdDate), as Workforce's are, rather than on the round's day.
 */
function allocationEvent(index: number, round: number, madeNow = false): Record<string, unknown> {
  const kind = kindOf(index);
  const detailPath = `/allocation/${kind.toLowerCase()}/${crnOf(prefix, index)}-${round}`;
  const body = allocationBody(prefix, index, round);
  pipeline.api.register(detailPath, {
    status: 200,
    body: madeNow ? { ...body, createdDate: new Date().toISOString() } : body,
  });
  return {
    eventType: eventTypes[kind],
    version: 1,
    detailUrl: `${pipeline.api.url}${detailPath}`,
    personReference: { identifiers: [{ type: 'CRN', value: crnOf(prefix, index) }] },
  };
}

/**
 * Every stage's process, and when each stage logged that it was done with a message: the connector's
 * `published`, the processor's and the sink's final outcome (the sink's comes after the Delius commit).
 */
interface Running {
  readonly children: Map<Stage, ChildProcess>;
  readonly doneAt: Record<Stage, Map<string, number>>;
  readonly finishedAt: Map<string, number>;
  /** Partitions on which the sink has said that the watermark vouches for them. */
  readonly trusted: Set<string>;
  stop(): Promise<void>;
}
/** The stages run as the production image runs them: the compiled entry point (built at the start), its V8 flags. */
const entryPoint = path.join(rootDir, 'dist', 'main.js');
/** BENCH_LOG_DIR: where each stage's log lines are kept, to look into a run. */
const logDir = process.env['BENCH_LOG_DIR'];
const finalMessages = new Set(['published', 'applied', 'duplicate', 'ignored', 'dead-lettered']);
function startStages(env: Record<string, string> = {}): Running {
  const children = new Map<Stage, ChildProcess>();
  const trusted = new Set<string>();
  const doneAt: Running['doneAt'] = { connector: new Map(), processor: new Map(), sink: new Map() };
  for (const stage of stages) {
    const child = spawn(process.execPath, [...productionNodeFlags, entryPoint, '--stage', stage], {
      cwd: rootDir,
      env: {
        ...process.env,
        ...pipeline.env,
        ...env,
        HTTP_PORT: '0',
        // To look into a stage: for example --heapsnapshot-near-heap-limit=1 --max-old-space-size=160.
        ...(process.env['BENCH_STAGE_NODE_OPTIONS']
          ? { NODE_OPTIONS: process.env['BENCH_STAGE_NODE_OPTIONS'] }
          : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.set(stage, child);
    if (child.stdout)
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (logDir) appendFileSync(path.join(logDir, `${stage}.log`), `${line}\n`);
        if (line.includes(watermarkVouches)) {
          const { partition } = JSON.parse(line) as { partition?: number };
          trusted.add(String(partition));
        }
        if (!line.includes('"messageId"')) return;
        const entry = JSON.parse(line) as { msg?: string; messageId?: string; time?: number };
        if (finalMessages.has(entry.msg ?? '') && entry.messageId)
          doneAt[stage].set(entry.messageId, entry.time ?? Date.now());
      });
  }
  return {
    children,
    doneAt,
    finishedAt: doneAt.sink,
    trusted,
    async stop() {
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** Publishes as Workforce would, `concurrency` at a time; resolves to the SNS message ids, in owner order. */
async function publishAll(events: readonly Record<string, unknown>[], concurrency = 16): Promise<string[]> {
  const ids: string[] = new Array<string>(events.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const index = next++;
        ids[index] = await pipeline.publish(events[index] as Record<string, unknown>);
      }
    }),
  );
  return ids;
}

interface PipelineRun {
  rateFromStart: number;
  steadyRate: number;
  cpuMsPerAllocation: Record<Stage | 'postgres' | 'java', number>;
  peakRssMiB: Record<Stage, number>;
  load: [number, number];
}
const { sqs } = await awsClients();
async function pipelineRun(round: number): Promise<PipelineRun> {
  const events = Array.from({ length: allocations }, (_, index) => allocationEvent(index, round));
  const ids = new Set(await publishAll(events));
  await eventually(async () => (await queueDepth(sqs, pipeline.queue.queueUrl)) >= allocations, {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
  const before = load();
  const postgresBefore = cpuMsOfAll('postgres');
  const javaBefore = cpuMsOfAll('java');
  const startedAt = Date.now();
  const running = startStages();
  const done = () => [...ids].filter((id) => running.finishedAt.has(id)).length;
  await eventually(() => done() === allocations, { timeoutMs: 30 * 60_000, intervalMs: 250 });
  const cpu = {} as PipelineRun['cpuMsPerAllocation'];
  const peakRssMiB = {} as PipelineRun['peakRssMiB'];
  for (const [stage, child] of running.children) {
    cpu[stage] = round2(cpuMsOf(child.pid ?? 0) / allocations);
    peakRssMiB[stage] = peakRssMiBOf(child.pid ?? 0);
  }
  cpu.postgres = round2((cpuMsOfAll('postgres') - postgresBefore) / allocations);
  cpu.java = round2((cpuMsOfAll('java') - javaBefore) / allocations);
  await running.stop();
  const times = sorted([...ids].map((id) => running.finishedAt.get(id) ?? 0));
  const at = (fraction: number) => times[Math.floor(fraction * (times.length - 1))] ?? 0;
  return {
    rateFromStart: allocations / (((times.at(-1) ?? startedAt) - startedAt) / 1000),
    steadyRate: (0.8 * allocations) / ((at(0.9) - at(0.1)) / 1000),
    cpuMsPerAllocation: cpu,
    peakRssMiB,
    load: [before, load()],
  };
}
const round2 = (value: number) => round(value, 2);

/** How the sink orders what it applies, in a latency run: as the service's settings say. */
const orderings = {
  /** ORDER_WINDOW_SECONDS=0: applied as they come. */
  off: { ORDER_WINDOW_SECONDS: '0' },
  /** ORDER_WATERMARK=false: each held for the whole window (60 s) after it was made. */
  window: { ORDER_WATERMARK: 'false' },
  /** The defaults: released as soon as the connectors' watermark has passed them. */
  watermark: {},
} as const satisfies Record<string, Record<string, string>>;
type Ordering = keyof typeof orderings;

/**
 * Allocations made now (as Workforce's are: their createdDate is the moment of publishing) at half the
 * pipeline's rate, each timed from its SNS publish to the sink's Delius commit, with the sink ordering as told.
 */
async function latencyRun(ratePerSecond: number, round: number, ordering: Ordering) {
  // Enough for fresh processes to be past their first, slow, allocations (JIT, caches, connections).
  const warmUpCount = Math.min(200, Math.floor(allocations / 5));
  const count = Math.min(allocations - warmUpCount, Math.max(50, Math.round(ratePerSecond * latencySeconds)));
  const running = startStages(orderings[ordering]);
  try {
    // Warm-up: the stages have joined their groups and connected once these have gone through (made long ago,
    // so that no ordering holds them).
    const warmUp = await publishAll(
      Array.from({ length: warmUpCount }, (_, offset) =>
        allocationEvent(allocations - warmUpCount + offset, round),
      ),
    );
    await eventually(() => warmUp.every((id) => running.finishedAt.has(id)), { timeoutMs: 120_000 });
    // And the sink trusts the watermark on every partition (a visibility timeout and a margin after it first
    // read one): what a sink that has been running a while does.
    if (ordering === 'watermark')
      await eventually(() => running.trusted.size >= partitions, { timeoutMs: 300_000, intervalMs: 250 });
    const publishedAt = new Map<string, number>();
    const startedAt = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let index = 0; index < count; index += 1) {
      const due = startedAt + (index * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const event = allocationEvent(index, round, true);
      const at = Date.now();
      inFlight.push(
        pipeline.publish(event).then((id) => {
          publishedAt.set(id, at);
        }),
      );
    }
    await Promise.all(inFlight);
    await eventually(() => [...publishedAt.keys()].every((id) => running.finishedAt.has(id)), {
      timeoutMs: 300_000,
      intervalMs: 250,
    });
    const latencies = [...publishedAt].map(([id, at]) => (running.finishedAt.get(id) ?? at) - at);
    // Where the time goes: SNS publish → connector's publish to Kafka → processor's → sink's Delius commit.
    const legs = (from: (id: string) => number | undefined, to: Map<string, number>) => {
      const spans = [...publishedAt.keys()].map(
        (id) => (to.get(id) ?? Number.NaN) - (from(id) ?? Number.NaN),
      );
      return { p50: percentile(spans, 0.5), p99: percentile(spans, 0.99) };
    };
    return {
      ordering,
      allocations: count,
      ratePerSecond: round2(ratePerSecond),
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      max: round2(Math.max(...latencies)),
      legs: {
        toConnector: legs((id) => publishedAt.get(id), running.doneAt.connector),
        connectorToProcessor: legs((id) => running.doneAt.connector.get(id), running.doneAt.processor),
        processorToSink: legs((id) => running.doneAt.processor.get(id), running.doneAt.sink),
      },
    };
  } finally {
    await running.stop();
  }
}

try {
  say(
    `node ${process.version}, ${os.cpus().length} cores, commit ${commit}${dirty ? ' (uncommitted changes)' : ''}` +
      (baselineCommit ? `, baseline ${baselineCommit}` : ''),
  );
  // What the production image runs: compiled JavaScript, not the TypeScript sources stripped as they load.
  execFileSync(
    process.execPath,
    [path.join(rootDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: rootDir,
      stdio: 'inherit',
    },
  );
  const seedStarted = performance.now();
  const seedLine = runNode([
    'bench/delius-module.ts',
    '--url',
    url,
    '--schema',
    moduleSchema,
    '--seed',
    String(moduleAllocations),
  ]);
  await seedOwners(pipeline.delius.data.fixtures, prefix, allocations);
  await seedLine;
  say(
    `seeded ${allocations} people for the pipeline and ${moduleAllocations} for the module in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`,
  );

  const module1: number[] = [];
  const module4: number[] = [];
  const baseline1: number[] = [];
  const baseline4: number[] = [];
  const moduleCpu: number[] = [];
  const baselineCpu: number[] = [];
  const runs: PipelineRun[] = [];
  let statements: Record<string, number> = {};
  let baselineStatements: Record<string, number> = {};
  for (let repetition = 1; repetition <= repetitions; repetition += 1) {
    const one = await moduleRun('.', 1);
    const four = await moduleRun('.', 4);
    module1.push(one.rate);
    module4.push(four.rate);
    moduleCpu.push(four.cpuMsPerAllocation);
    statements = one.statementsPerAllocation;
    say(
      `#${repetition} module: pool 1 ${one.rate.toFixed(1)}/s, pool 4 ${four.rate.toFixed(1)}/s (${four.cpuMsPerAllocation.toFixed(1)} ms CPU an allocation; load ${one.load[0]} → ${four.load[1]})`,
    );
    if (baselineRoot) {
      const oldOne = await moduleRun(baselineRoot, 1);
      const oldFour = await moduleRun(baselineRoot, 4);
      baseline1.push(oldOne.rate);
      baseline4.push(oldFour.rate);
      baselineCpu.push(oldFour.cpuMsPerAllocation);
      baselineStatements = oldOne.statementsPerAllocation;
      say(
        `#${repetition} baseline ${baselineCommit} module: pool 1 ${oldOne.rate.toFixed(1)}/s, pool 4 ${oldFour.rate.toFixed(1)}/s (${oldFour.cpuMsPerAllocation.toFixed(1)} ms CPU an allocation)`,
      );
    }
    const run = await pipelineRun(repetition);
    runs.push(run);
    say(
      `#${repetition} pipeline: ${run.rateFromStart.toFixed(1)}/s from start, ${run.steadyRate.toFixed(1)}/s steady; CPU ms an allocation ${JSON.stringify(run.cpuMsPerAllocation)}; peak RSS MiB ${JSON.stringify(run.peakRssMiB)} (load ${run.load[0]} → ${run.load[1]})`,
    );
  }
  const steady = runs.map((run) => run.steadyRate);
  const latencyRate = values['latency-rate'] ? Number(values['latency-rate']) : median(steady) / 2;
  const latency: Record<Ordering, Awaited<ReturnType<typeof latencyRun>>> = {
    off: await latencyRun(latencyRate, repetitions + 1, 'off'),
    window: await latencyRun(latencyRate, repetitions + 2, 'window'),
    watermark: await latencyRun(latencyRate, repetitions + 3, 'watermark'),
  };
  for (const run of Object.values(latency))
    say(
      `latency, ordering ${run.ordering}, at ${run.ratePerSecond}/s, ${run.allocations} allocations made now, SNS publish → Delius commit: p50 ${run.p50} ms, p95 ${run.p95} ms, p99 ${run.p99} ms, max ${run.max} ms; legs (p50/p99 ms) ${JSON.stringify(run.legs)}`,
    );
  // Without repetitions (a latency run at --latency-rate alone) there is nothing to compare or record.
  if (runs.length > 0) {
    const perStage = (pick: (run: PipelineRun) => Record<string, number>) =>
      Object.fromEntries(
        Object.keys(pick(runs[0] as PipelineRun)).map((key) => [
          key,
          spread(runs.map((run) => pick(run)[key] ?? 0)),
        ]),
      );
    const result = {
      date: new Date().toISOString(),
      commit,
      dirty,
      node: process.version,
      cores: os.cpus().length,
      allocations,
      moduleAllocations,
      repetitions,
      mix: 'per 20: 8 PERSON, 8 EVENT, 3 REQUIREMENT, 1 LICENCE_CONDITION',
      module: { pool1: spread(module1), pool4: spread(module4), cpuMsPerAllocation: spread(moduleCpu) },
      ...(baselineRoot
        ? {
            baseline: {
              commit: baselineCommit,
              pool1: spread(baseline1),
              pool4: spread(baseline4),
              cpuMsPerAllocation: spread(baselineCpu),
              statementsPerAllocation: baselineStatements,
            },
            moduleSpeedup: round2(median(module4) / median(baseline4)),
          }
        : {}),
      pipeline: {
        rateFromStart: spread(runs.map((run) => run.rateFromStart)),
        steadyRate: spread(steady),
        cpuMsPerAllocation: perStage((run) => run.cpuMsPerAllocation),
        peakRssMiB: perStage((run) => run.peakRssMiB),
        load: runs.map((run) => run.load),
      },
      pipelineToModuleRatio: round2(median(steady) / median(module4)),
      pipelineFromStartToModuleRatio: round2(median(runs.map((run) => run.rateFromStart)) / median(module4)),
      statementsPerAllocation: statements,
      latency,
      seconds: Math.round((performance.now() - runStartedAt) / 1000),
    };
    console.log(JSON.stringify(result, null, 2));
    await appendFile(path.join(rootDir, 'bench', 'results.jsonl'), `${JSON.stringify(result)}\n`);
    say(
      `pipeline/module (pool 4) ${result.pipelineToModuleRatio} steady, ${result.pipelineFromStartToModuleRatio} from start` +
        (baselineRoot ? `; module pool 4 against ${baselineCommit}: ${result.moduleSpeedup}×` : '') +
        `; appended to bench/results.jsonl`,
    );
  }
} finally {
  await pipeline.close();
  await scope.close();
  await admin.query(`DROP SCHEMA "${moduleSchema}" CASCADE`);
  await admin.end();
  if (stackStarted) await stackDown();
}
