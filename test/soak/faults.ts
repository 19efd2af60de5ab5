// `npm run test:faults [-- --people 100 --rounds 10 --outage-minutes 2 | --short]`: a fault soak. The three stages
// run as separate processes of the real entry point against a broker of the run's own, with the database and the
// schema registry reached through TCP proxies. While Workforce allocates (every person, round after round, to A,
// X, A, … so that any reordering shows), stages are killed with SIGKILL and started again, the broker is stopped
// and started, and the database and the registry are cut and restored. Then come outages of minutes, one after
// another, each with a round allocated during it: the Workload API answering 503 (half as long again), HMPPS
// Auth refusing tokens, the registry cut (with the processor restarted into it), the broker stopped with the
// connector running, and the database cut. Once every consumer group has caught up and the queue is empty, Delius
// is compared with the same allocations applied by the Delius module alone in `createdDate` order. One line per
// figure; exit 1 unless nothing was lost, duplicated, put out of order or dead-lettered that should not be.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { rootDir } from '../../infra/paths.ts';
import { stackDown, stackUp } from '../../infra/stack.ts';
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import { createSchemaRegistry } from '../../src/kafka/avro-schemas.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../../src/observability/known-warnings.ts';
import { contactsOf, iapsFlags, managerHistory, responsibleOfficers } from '../support/delius-queries.ts';
import { testDeliusDatabase } from '../support/delius.ts';
import { eventually } from '../support/eventually.ts';
import { testLogger, testScope, uniqueName } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { privateBroker } from '../support/private-broker.ts';
import { awsClients, requireEnv, stackEnv } from '../support/stack.ts';
import { seedPeople, syntheticAllocation, syntheticDetail } from '../support/synthetic-allocations.ts';
import { tcpProxy } from '../support/tcp-proxy.ts';
import { pipelineDrained } from './drained.ts';

silenceKafkajsNegativeTimeoutWarning();
const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '10' },
    short: { type: 'boolean', default: false },
    /** The length of each outage of the second phase (the Workload API's is half as long again). */
    'outage-minutes': { type: 'string', default: '2' },
    'timeout-minutes': { type: 'string', default: '20' },
    /** 0 shows what the verifier catches when the sink applies allocations as they come. */
    /** Long enough for the lateness this run's faults cause; the run prints the lateness it saw. */
    'order-window-seconds': { type: 'string' },
    /** `off`: the sink holds by the window alone (ORDER_WATERMARK=false), as before the watermark. */
    watermark: { type: 'string', default: 'on' },
  },
});
const peopleCount = values.short ? 12 : Number(values.people);
const roundCount = values.short ? 8 : Number(values.rounds);
const orderWindowSeconds = values['order-window-seconds'] ?? '45';
// Each far past the retries a bad message gets (six tries, about three seconds with this run's settings).
const longOutageMs = values.short ? 15_000 : Number(values['outage-minutes']) * 60_000;
const kinds = ['PERSON', 'EVENT'] as const;
type Kind = (typeof kinds)[number];
const stages = ['sink', 'processor', 'connector'] as const;
type Stage = (typeof stages)[number];
const say = (line: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

const runStartedAt = performance.now();
// Stopped at the end if this run started it, as the tests' global teardown does.
const { started: stackStarted } = await stackUp();
const scope = testScope('faults');
const stack = await stackEnv();
const broker = await privateBroker();
const database = new URL(requireEnv(stack, 'POSTGRES_URL'));
const databasePort = Number(database.port || 5432);
const databaseProxy = await tcpProxy({ host: database.hostname, port: databasePort });
const registry = new URL(requireEnv(stack, 'SCHEMA_REGISTRY_URL'));
const registryProxy = await tcpProxy({ host: registry.hostname, port: Number(registry.port) });
const registryViaProxy = new URL(registry);
registryViaProxy.port = String(registryProxy.port);

const pipeline = await testPipeline(scope, {
  stages: [],
  visibilityTimeoutSeconds: 10,
  databaseVia: (url) => url.replace(`:${databasePort}/`, `:${databaseProxy.port}/`),
  env: {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: broker.brokers,
    SCHEMA_REGISTRY_URL: registryViaProxy.toString().replace(/\/$/, ''),
    TOPIC_PARTITIONS: '6',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    ORDER_WINDOW_SECONDS: orderWindowSeconds,
    ORDER_WATERMARK: String(values.watermark !== 'off'),
    RETRY_MAX_ATTEMPTS: '6',
    RETRY_INITIAL_DELAY_MS: '100',
    RETRY_MAX_DELAY_MS: '2000',
  },
});

const crns = Array.from({ length: peopleCount }, (_, index) => `F${String(index + 1).padStart(6, '0')}`);
/** A tenth of the people have an accredited programme: their allocations set IAPS flags and emit IAPS events. */
const withProgramme = crns.filter((_, index) => index % 10 === 0);
await seedPeople(pipeline, crns, withProgramme);

// --- The stages, started again whenever they are killed.
const children = new Map<Stage, ChildProcess>();
const kills: Record<Stage, number> = { sink: 0, processor: 0, connector: 0 };
let unexpectedExits = 0;
function startStage(stage: Stage) {
  const child = spawn(process.execPath, [path.join(rootDir, 'src', 'main.ts'), '--stage', stage], {
    cwd: rootDir,
    env: { ...process.env, ...pipeline.env, HTTP_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (signal === 'SIGKILL' || finished) return;
    unexpectedExits += 1;
    say(`the ${stage} exited by itself (${code}); starting it again`);
    if (!finished) startStage(stage);
  });
  children.set(stage, child);
}
let finished = false;
for (const stage of stages) startStage(stage);
// Interrupted half-way: stop what this run started, its broker included, rather than leave it running.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    finished = true;
    for (const child of children.values()) child.kill('SIGKILL');
    void broker.close().finally(() => process.exit(130));
  });

// --- What Workforce allocates: per round, each person and their event, to A or X; a few that cannot apply.
interface Sent {
  readonly messageId: string;
  readonly crn: string;
  readonly kind: Kind;
  readonly round: number;
  readonly body: Record<string, unknown>;
}
const sent: Sent[] = [];
let expectedDeadLetters = 0;
async function allocateRound(round: number) {
  const previous = sent.at(-1)?.body['createdDate'];
  if (typeof previous === 'string')
    await eventually(() => Math.floor(Date.now() / 1000) > Math.floor(Date.parse(previous) / 1000), {
      intervalMs: 50,
    });
  const createdDate = new Date().toISOString();
  for (const [index, crn] of crns.entries()) {
    for (const kind of kinds) {
      const messageId = await pipeline.publish(syntheticAllocation(pipeline, crn, kind, round, createdDate));
      sent.push({ messageId, crn, kind, round, body: syntheticDetail(crn, kind, round, createdDate) });
    }
    // One in fifty people also gets an allocation of an event Delius does not have: a dead letter (rule E1).
    if (index % 50 === 0) {
      const detailPath = `/allocation/event/${crn}-${round}-missing`;
      pipeline.api.register(detailPath, {
        status: 200,
        body: {
          id: `${crn}-missing-${round}`,
          staffCode: 'N02ABS1',
          teamCode: 'N02ABS',
          createdDate,
          eventNumber: 9,
        },
      });
      await pipeline.publish(domainEvent(pipeline, 'EVENT', crn, detailPath));
      expectedDeadLetters += 1;
    }
  }
}
function domainEvent(target: TestPipeline, kind: Kind, crn: string, detailPath: string) {
  return {
    eventType: kind === 'PERSON' ? 'person.community.manager.allocated' : 'event.manager.allocated',
    version: 1,
    detailUrl: `${target.api.url}${detailPath}`,
    personReference: { identifiers: [{ type: 'CRN', value: crn }] },
  };
}

// --- The faults, one after another while the rounds go out.
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let faultCount = 0;
async function killAndRestart(stage: Stage) {
  children.get(stage)?.kill('SIGKILL');
  kills[stage] += 1;
  faultCount += 1;
  await pause(500);
  startStage(stage);
}
async function outage(name: string, stop: () => Promise<void>, start: () => Promise<void>, ms: number) {
  const downAt = performance.now();
  say(`${name} down`);
  await stop();
  faultCount += 1;
  await pause(ms);
  await start();
  say(`${name} back after ${((performance.now() - downAt) / 1000).toFixed(1)} s`);
}
const killsWanted = values.short ? 6 : 12;
const faultGapMs = values.short ? 6_000 : 8_000;
const outageMs = 10_000;
/**
 * Rounds 2.5 s apart, and the broker stopped at once for about ten seconds: the rounds made while it is down are
 * left to SQS by the connector (invisible for the visibility timeout) and reach Kafka after the rounds made once
 * it is back, as in the fault run of the "order per person" finding. The other faults follow while the sink works
 * through what the order window held.
 */
const roundGapMs = 2_500;
const faults = (async () => {
  const schedule: (() => Promise<void>)[] = [
    // The connector is killed half-way through, holding received messages that SQS keeps invisible for the
    // visibility timeout while its successor publishes later rounds: the reordering that costs Delius a period.
    () =>
      outage(
        'the broker',
        async () => {
          await broker.stop();
          await pause(outageMs / 2);
          await killAndRestart('connector');
        },
        () => broker.start(),
        outageMs / 2,
      ),
  ];
  for (let kill = 0; kill < killsWanted; kill += 1) {
    const stage = stages[kill % stages.length] as Stage;
    schedule.push(() => killAndRestart(stage));
    if (kill === 2)
      schedule.push(() =>
        outage(
          'the database',
          () => databaseProxy.stop(),
          () => databaseProxy.start(),
          outageMs,
        ),
      );
    if (kill === 4)
      schedule.push(() =>
        outage(
          'the schema registry',
          () => registryProxy.stop(),
          () => registryProxy.start(),
          outageMs,
        ),
      );
  }
  await pause(1_000);
  for (const fault of schedule) {
    await fault();
    // Longer than a session timeout between kills, so that each one is recovered from before the next.
    await pause(faultGapMs);
  }
})();

const publishStartedAt = performance.now();
for (let round = 0; round < roundCount; round += 1) {
  await allocateRound(round);
  say(`round ${round + 1} of ${roundCount} published (${sent.length} allocations so far)`);
  if (round < roundCount - 1) await pause(roundGapMs);
}
await faults;

// --- Outages of minutes, one at a time, each with a round of allocations made while it lasts. No connector is
// killed meanwhile: the order window (shorter than an outage) cannot reorder what was delayed longer than itself.
const longOutages: string[] = [];
async function longOutage(name: string, stop: () => Promise<void>, start: () => Promise<void>, ms: number) {
  const round = roundCount + longOutages.length;
  longOutages.push(`${name} ${Math.round(ms / 1000)} s`);
  await outage(
    name,
    async () => {
      await stop();
      await pause(ms / 3);
      await allocateRound(round);
      say(`round ${round + 1} published while ${name} is down`);
    },
    start,
    (ms * 2) / 3,
  );
  await pause(faultGapMs);
}
await longOutage(
  'the Workload API (503)',
  () => Promise.resolve(pipeline.api.outage('details', { status: 503, body: { status: 503 } })),
  () => Promise.resolve(pipeline.api.outage('details', undefined)),
  longOutageMs * 1.5,
);
await longOutage(
  'HMPPS Auth (tokens refused)',
  () => {
    pipeline.api.expireTokens();
    pipeline.api.outage('tokens', { status: 503 });
    return Promise.resolve();
  },
  () => Promise.resolve(pipeline.api.outage('tokens', undefined)),
  longOutageMs,
);
await longOutage(
  'the schema registry (processor restarted into it)',
  async () => {
    await registryProxy.stop();
    await killAndRestart('processor');
  },
  () => registryProxy.start(),
  longOutageMs,
);
await longOutage(
  'the broker (connector running)',
  () => broker.stop(),
  () => broker.start(),
  longOutageMs,
);
await longOutage(
  'the database',
  () => databaseProxy.stop(),
  () => databaseProxy.start(),
  longOutageMs,
);
const publishedAt = performance.now();
say(
  `all ${sent.length} allocations published and ${faultCount} faults made; waiting for the stages to drain`,
);

// --- Wait until everything has been consumed: the queue empty and no lag in any group.
const { sqs } = await awsClients();
const faultKafka = createKafka({ brokers: [broker.brokers], clientId: uniqueName('faults') }, testLogger);
const admin = faultKafka.admin();
await admin.connect();
const drained = () => pipelineDrained(sqs, pipeline.queue.queueUrl, admin, pipeline.config);
await eventually(drained, { timeoutMs: Number(values['timeout-minutes']) * 60_000, intervalMs: 1_000 });
const drainMs = performance.now() - publishedAt;
finished = true;
for (const child of children.values()) child.kill('SIGTERM');

// --- Dead letters and IAPS events on the run's broker.
async function readAll(topic: string) {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  const records: { headers: Record<string, string>; value: Buffer | null; timestamp: number }[] = [];
  if (total === 0) return records;
  const consumer = faultKafka.consumer({ groupId: uniqueName('faults-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ message }) => {
        records.push({
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          value: message.value,
          timestamp: Number(message.timestamp),
        });
        if (records.length >= total) resolve();
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return records;
}
const registryClient = createSchemaRegistry(requireEnv(stack, 'SCHEMA_REGISTRY_URL'));
const deadLetters = await readAll(pipeline.config.DEAD_LETTER_TOPIC);
const goodMessageIds = new Set(sent.map((allocation) => allocation.messageId));
const goodDeadLettered = deadLetters.filter((letter) =>
  goodMessageIds.has(letter.headers['message-id'] ?? ''),
);
const { Attributes: dlq = {} } = await sqs.send(
  new GetQueueAttributesCommand({
    QueueUrl: pipeline.queue.deadLetterQueueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }),
);
const onSqsDeadLetterQueue =
  Number(dlq.ApproximateNumberOfMessages) + Number(dlq.ApproximateNumberOfMessagesNotVisible);
// How late allocations reached the sink's topic after Workforce made them: what the order window must cover.
let maxLatenessMs = 0;
{
  for (const record of await readAll(pipeline.config.ALLOCATIONS_TOPIC)) {
    if (!record.value) continue;
    const { createdDate } = (await registryClient.decode(record.value)) as { createdDate: string };
    maxLatenessMs = Math.max(maxLatenessMs, record.timestamp - Date.parse(createdDate));
  }
}
const iapsRecords = await readAll(pipeline.config.IAPS_EVENTS_TOPIC);
const iapsMessageIds = new Set<string>();
for (const record of iapsRecords) {
  if (!record.value) continue;
  const decoded = (await registryClient.decode(record.value)) as { allocationMessageId?: string };
  if (decoded.allocationMessageId) iapsMessageIds.add(decoded.allocationMessageId);
}

// --- The reference: the same allocations applied by the Delius module alone, in createdDate order.
const reference = await testDeliusDatabase(scope);
{
  const fixturesOf = { delius: { data: reference.data } } as unknown as TestPipeline;
  await seedPeople(fixturesOf, crns, withProgramme);
  const inOrder = [...sent].sort(
    (a, b) => Date.parse(String(a.body['createdDate'])) - Date.parse(String(b.body['createdDate'])) || 0,
  );
  for (const allocation of inOrder) {
    const parsed = parseAllocationDetail(allocation.body);
    await applyAllocation(reference.db, { ...parsed, messageCrn: allocation.crn });
  }
}

/** A person's Delius rows as comparable lines: managers of both kinds, officers and contacts, without ids. */
async function rowsOf(db: DeliusDb, crn: string): Promise<string[]> {
  const person = await db.models.Offender.findOne({ where: { crn } });
  const personId = person?.get({ plain: true }).id ?? 0;
  const event = await db.models.Event.findOne({ where: { personId } });
  const eventId = event?.get({ plain: true }).id ?? 0;
  const line = (kind: string, row: object) =>
    `${kind} ${JSON.stringify(Object.entries(row).filter(([name]) => !/id$|Id$/.test(name)))}`;
  return [
    ...(await managerHistory(db, 'PERSON', personId)).map((row) => line('person manager', row)),
    ...(await managerHistory(db, 'EVENT', eventId)).map((row) => line('order manager', row)),
    ...(await responsibleOfficers(db, personId)).map((row) => line('officer', row)),
    ...(await contactsOf(db, personId)).map((row) => line('contact', row)),
  ];
}

/** Each allocation's manager row, by staff and start: present in the reference, and in the soak's Delius? */
let lost = 0;
let duplicated = 0;
let orderViolations = 0;
for (const crn of crns) {
  const actual = await rowsOf(pipeline.delius.db, crn);
  const expected = await rowsOf(reference.db, crn);
  const remaining = [...actual];
  let missing = 0;
  for (const row of expected) {
    const at = remaining.indexOf(row);
    if (at >= 0) remaining.splice(at, 1);
    else missing += 1;
  }
  // A row in neither place as expected: lost when there are fewer rows than the reference, duplicated when
  // there are more, and out of order when the counts agree but a period or a "From" line differs.
  const extra = remaining.length;
  if (actual.length < expected.length) lost += expected.length - actual.length;
  if (actual.length > expected.length) duplicated += actual.length - expected.length;
  if (missing > 0 || extra > 0) orderViolations += Math.min(missing, extra);
}
const flags = await iapsFlags(pipeline.delius.db);
const referenceFlags = await iapsFlags(reference.db);
const iapsExpected = sent.filter((allocation) => withProgramme.includes(allocation.crn));
const iapsLost = iapsExpected.filter((allocation) => !iapsMessageIds.has(allocation.messageId)).length;
const flagsDiffer = JSON.stringify(flags) === JSON.stringify(referenceFlags) ? 0 : 1;

const lines = [
  `allocations ${sent.length} over ${crns.length} people (${roundCount} rounds of person and event, A/X alternating), plus ${expectedDeadLetters} that cannot apply`,
  `faults ${faultCount}: SIGKILLs connector ${kills.connector}, processor ${kills.processor}, sink ${kills.sink}; broker stopped and started; database cut; registry cut`,
  `outages waited out: ${longOutages.join('; ')}`,
  `stages that exited by themselves ${unexpectedExits}`,
  `lost ${lost}`,
  `duplicated effects ${duplicated}`,
  `order violations ${orderViolations}`,
  `iaps events lost ${iapsLost} (of ${iapsExpected.length}); IAPS flags as the reference: ${flagsDiffer === 0 ? 'yes' : 'no'}`,
  `dead letters ${deadLetters.length} (expected ${expectedDeadLetters})`,
  `good allocations dead-lettered ${goodDeadLettered.length}`,
  `on the SQS dead-letter queue ${onSqsDeadLetterQueue}`,
  `latest arrival on the allocations topic ${(maxLatenessMs / 1000).toFixed(1)} s after being made (order window ${orderWindowSeconds} s, watermark ${values.watermark})`,
  `time to drain ${(drainMs / 1000).toFixed(1)} s after the last fault and publish (publishing took ${((publishedAt - publishStartedAt) / 1000).toFixed(1)} s; whole run ${((performance.now() - runStartedAt) / 1000).toFixed(1)} s)`,
];
for (const line of lines) console.log(line);
const passed =
  lost === 0 &&
  duplicated === 0 &&
  orderViolations === 0 &&
  iapsLost === 0 &&
  flagsDiffer === 0 &&
  deadLetters.length === expectedDeadLetters &&
  goodDeadLettered.length === 0 &&
  onSqsDeadLetterQueue === 0 &&
  kills.connector + kills.processor + kills.sink >= (values.short ? 6 : 10);

await admin.disconnect();
await pipeline.close();
await databaseProxy.stop();
await registryProxy.stop();
await broker.close();
await scope.close();
if (stackStarted.length) await stackDown(() => undefined, stackStarted);
console.log(passed ? 'fault soak: passed' : 'fault soak: FAILED');
process.exit(passed ? 0 : 1);
