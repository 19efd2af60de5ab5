// `npm run test:hostile [-- --hostile 5000 --good 500 | --short]`: the three stages as separate processes of the
// real entry point, on the local stack, fed thousands of hostile messages (see hostile-messages.ts) mixed with
// good allocations. It waits until every message has come to an end and prints one line per figure; it exits 1
// when a good allocation was not applied, a bad one ended nowhere or somewhere it should not, a request left the
// allow-list, a stage crashed, or a secret reached a log line or a dead letter.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { rootDir } from '../../infra/paths.ts';
import { stackDown, stackUp } from '../../infra/stack.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../../src/observability/known-warnings.ts';
import { testScope, uniqueName } from '../support/isolation.ts';
import { testPipeline } from '../support/pipeline.ts';
import { awsClients } from '../support/stack.ts';
import { seedPeople, syntheticAllocation } from '../support/synthetic-allocations.ts';
import { pipelineDrained } from './drained.ts';
import { createSchemaRegistry, valueSubject } from '../../src/kafka/avro-schemas.ts';
import { eventually } from '../support/eventually.ts';
import { hostileMessages, type Ending, type HostileMessage } from './hostile-messages.ts';
import { hostileRecords } from './hostile-records.ts';
import { startHostileAnswers, startOutsider } from './hostile-servers.ts';

silenceKafkajsNegativeTimeoutWarning();
const { values } = parseArgs({
  options: {
    hostile: { type: 'string', default: '5000' },
    good: { type: 'string', default: '500' },
    short: { type: 'boolean', default: false },
    'timeout-minutes': { type: 'string', default: '30' },
  },
});
const hostileCount = values.short ? 600 : Number(values.hostile);
const goodCount = values.short ? 60 : Number(values.good);
const stages = ['sink', 'processor', 'connector'] as const;

const startedAt = performance.now();
// Stopped at the end if this run started it, as the tests' global teardown does.
const { started: stackStarted } = await stackUp();
const scope = testScope('hostile');
const outsider = await startOutsider();
const outsiderUrl = `http://${outsider.host}:${outsider.port}/allocation/person/x`;
const answers = await startHostileAnswers(outsiderUrl);
const pipeline = await testPipeline(scope, {
  stages: [],
  maxReceiveCount: 2,
  visibilityTimeoutSeconds: 10,
  env: {
    LOG_LEVEL: 'info',
    TOPIC_PARTITIONS: '6',
    SQS_MAX_BODY_BYTES: '65536',
    RETRY_MAX_ATTEMPTS: '3',
    RETRY_INITIAL_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    DETAIL_READ_TIMEOUT_MS: '1000',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
  },
});
pipeline.env['DETAIL_URL_ALLOW_LIST'] = `${pipeline.api.url},${answers.url}`;
const secret = pipeline.env['HMPPS_AUTH_CLIENT_SECRET'] ?? '';

/** Outcome lines of the stages' logs, by message id; and every line, for the secret check. */
const endings = new Map<string, Set<string>>();
const applied = new Set<string>();
/** The stages' operations ports, from their "started" lines: the readiness flood's targets. */
const httpPorts: number[] = [];
let secretLines = 0;
let bearerLines = 0;
function readLine(line: string) {
  if (secret && line.includes(secret)) secretLines += 1;
  if (/Bearer [A-Za-z0-9._~+/-]{8,}/.test(line)) bearerLines += 1;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  if (entry['msg'] === 'started' && typeof entry['httpPort'] === 'number') httpPorts.push(entry['httpPort']);
  const id = typeof entry['messageId'] === 'string' ? entry['messageId'] : undefined;
  if (!id) return;
  if (entry['msg'] === 'ignored' || entry['msg'] === 'no detailUrl: acknowledged') add(id, 'ignored');
  if (entry['stage'] === 'sink' && entry['msg'] === 'applied') applied.add(id);
}
function add(id: string, ending: string) {
  const known = endings.get(id) ?? new Set<string>();
  known.add(ending);
  endings.set(id, known);
}

const children = new Map<string, ChildProcess>();
let crashes = 0;
let stopping = false;
for (const stage of stages) {
  const child = spawn(process.execPath, [path.join(rootDir, 'src', 'main.ts'), '--stage', stage], {
    cwd: rootDir,
    env: { ...process.env, ...pipeline.env, HTTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending = '';
  const onData = (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) readLine(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      crashes += 1;
      console.error(`the ${stage} exited: ${code ?? signal}`);
    }
  });
  children.set(stage, child);
}

/** `perStage` concurrent readiness requests to each stage at once: how many were answered, and how many UP. */
async function readinessFlood(ports: readonly number[], perStage: number) {
  const answers = await Promise.all(
    ports.flatMap((port) =>
      Array.from({ length: perStage }, () =>
        fetch(`http://127.0.0.1:${port}/health/readiness`, { signal: AbortSignal.timeout(30_000) }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status;
          },
          () => undefined,
        ),
      ),
    ),
  );
  return {
    requests: answers.length,
    answered: answers.filter((status) => status !== undefined).length,
    up: answers.filter((status) => status === 200).length,
  };
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Math.round(Number(kib) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const origins = { answers: answers.url, outsider, topicArn: pipeline.queue.topicArn };
const hostile = hostileMessages(hostileCount, origins);
const byId = new Map<string, HostileMessage>(hostile.map((message) => [message.id, message]));
const crns = Array.from({ length: goodCount }, (_, index) => `G${String(index + 1).padStart(6, '0')}`);
await seedPeople(pipeline, crns);
const good = new Set<string>();
const refusedBySqs = new Map<string, string>();

// Dead letters as they come, with the headers checked for secrets: once the stages have created the topics.
const kafka = await scope.kafka();
const admin = await scope.admin();
await eventually(
  async () => {
    const topics = await admin.listTopics();
    return [
      pipeline.config.DEAD_LETTER_TOPIC,
      pipeline.config.DOMAIN_EVENTS_TOPIC,
      pipeline.config.ALLOCATIONS_TOPIC,
    ].every((topic) => topics.includes(topic));
  },
  { timeoutMs: 120_000 },
);
const reader = kafka.consumer({ groupId: uniqueName('hostile-dead-letters') });
await reader.connect();
await reader.subscribe({ topic: pipeline.config.DEAD_LETTER_TOPIC, fromBeginning: true });
let secretHeaders = 0;
await reader.run({
  eachMessage: ({ message }) => {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    if (Object.values(headers).some((value) => (secret && value.includes(secret)) || /Bearer /.test(value)))
      secretHeaders += 1;
    const id = headers['message-id'];
    if (id) add(id, 'dead-letter');
    return Promise.resolve();
  },
});

const { sqs } = await awsClients();
const sendStartedAt = performance.now();
// Hostile ones straight onto the queue (what SNS would never send), ten at a time; a good one through SNS every
// so often, so that good and bad share partitions and batches.
const everyGood = Math.max(1, Math.floor(hostile.length / Math.max(1, crns.length)));
let nextGood = 0;
for (let index = 0; index < hostile.length; index += 10) {
  const batch = hostile.slice(index, index + 10);
  const { Failed = [] } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: pipeline.queue.queueUrl,
      Entries: batch.map((message, position) => ({ Id: String(position), MessageBody: message.body })),
    }),
  );
  // SQS itself refuses some bodies (characters it does not allow): they can never reach the service.
  for (const failure of Failed) {
    const message = batch[Number(failure.Id)];
    if (message) refusedBySqs.set(message.id, failure.Message ?? failure.Code ?? 'refused');
  }
  while (nextGood < crns.length && nextGood * everyGood <= index + batch.length) {
    const crn = crns[nextGood] as string;
    good.add(await pipeline.publish(syntheticAllocation(pipeline, crn, 'PERSON', 0)));
    nextGood += 1;
  }
}
for (; nextGood < crns.length; nextGood += 1)
  good.add(await pipeline.publish(syntheticAllocation(pipeline, crns[nextGood] as string, 'PERSON', 0)));
// Records straight onto each topic, past the connector, with the topic's own schema id in their framing.
const registry = createSchemaRegistry(pipeline.config.SCHEMA_REGISTRY_URL);
const topicsWithSchemas = await eventually(
  async () =>
    Promise.all(
      [pipeline.config.DOMAIN_EVENTS_TOPIC, pipeline.config.ALLOCATIONS_TOPIC].map(async (topic) => ({
        topic,
        schemaId: await registry.getLatestSchemaId(valueSubject(topic)),
      })),
    ),
  { timeoutMs: 120_000 },
);
const straight = hostileRecords(topicsWithSchemas, values.short ? 2 : 10);
{
  const producer = kafka.producer();
  await producer.connect();
  for (const record of straight) await producer.send({ topic: record.topic, messages: [record.message] });
  await producer.disconnect();
}
for (const record of straight) byId.set(record.id, { ...record, body: '' });

// A readiness flood while the stages work: every request answered, and nothing else held up by it.
await eventually(() => httpPorts.length === stages.length, { timeoutMs: 120_000 });
const flood = await readinessFlood(httpPorts, 400);
const sentInMs = performance.now() - sendStartedAt;

/** Reads the SQS dead-letter queue, deleting as it goes: each body names its message. */
async function drainSqsDeadLetters() {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.queue.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return;
    for (const message of Messages) {
      const id = /hostile-\d{6}/.exec(message.Body ?? '')?.[0];
      add(id ?? `unknown:${message.MessageId}`, 'sqs-dead-letter-queue');
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: pipeline.queue.deadLetterQueueUrl,
        Entries: Messages.map((message, position) => ({
          Id: String(position),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

const delivered = (): HostileMessage[] => [
  ...hostile.filter((message) => !refusedBySqs.has(message.id)),
  ...straight.map((record) => ({ ...record, body: '' })),
];
const allEnded = () =>
  delivered().every((message) => endings.has(message.id)) && [...good].every((id) => applied.has(id));
const deadline = Date.now() + Number(values['timeout-minutes']) * 60_000;
let lastReport = Date.now();
for (;;) {
  await drainSqsDeadLetters();
  if (
    allEnded() &&
    (await pipelineDrained(sqs, pipeline.queue.queueUrl, await scope.admin(), pipeline.config))
  )
    break;
  if (crashes > 0 || Date.now() > deadline) break;
  if (Date.now() - lastReport > 15_000) {
    lastReport = Date.now();
    const ended = delivered().filter((message) => endings.has(message.id)).length;
    console.log(`… ${ended}/${delivered().length} bad ended, ${applied.size}/${good.size} good applied`);
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
const drainedInMs = performance.now() - sendStartedAt;
const rss = Object.fromEntries(stages.map((stage) => [stage, peakRssMiB(children.get(stage)?.pid)]));

stopping = true;
for (const child of children.values()) child.kill('SIGTERM');
await Promise.all(
  [...children.values()].map(
    (child) =>
      new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve))),
  ),
);
await reader.disconnect();

// The figures.
const counts: Record<Ending, number> = { 'sqs-dead-letter-queue': 0, 'dead-letter': 0, ignored: 0 };
const byCategory = new Map<string, { sent: number; wrong: number; missing: number }>();
const wrong: string[] = [];
const missingIds: string[] = [];
for (const message of delivered()) {
  const row = byCategory.get(message.category) ?? { sent: 0, wrong: 0, missing: 0 };
  row.sent += 1;
  const ended = endings.get(message.id);
  if (!ended) {
    row.missing += 1;
    if (missingIds.length < 10)
      missingIds.push(`${message.id} (${message.category}): ${JSON.stringify(message.body.slice(0, 160))}`);
  } else {
    for (const ending of ended) if (ending in counts) counts[ending as Ending] += 1;
    if (ended.size !== 1 || !ended.has(message.ending)) {
      row.wrong += 1;
      if (wrong.length < 10) wrong.push(`${message.id} (${message.category}): ${[...ended].join(', ')}`);
    }
  }
  byCategory.set(message.category, row);
}
const ended = delivered().filter((message) => endings.has(message.id)).length;
const wrongEndings = [...byCategory.values()].reduce((sum, row) => sum + row.wrong, 0);
const unknownDeadLetters = [...endings.keys()].filter((id) => !byId.has(id) && !good.has(id)).length;
const goodApplied = [...good].filter((id) => applied.has(id)).length;

console.log('');
for (const [category, row] of byCategory)
  console.log(
    `  ${category.padEnd(48)} ${String(row.sent).padStart(5)}  wrong ending ${row.wrong}  no ending ${row.missing}`,
  );
const lines = [
  `hostile messages ${hostile.length} and records written straight to the topics ${straight.length}, in ${byCategory.size} categories, good ${good.size}, sent in ${(sentInMs / 1000).toFixed(1)} s`,
  `readiness flood ${flood.requests} requests to ${httpPorts.length} stages: answered ${flood.answered} (UP ${flood.up}), unanswered ${flood.requests - flood.answered}`,
  `good applied ${goodApplied}/${good.size}`,
  `refused by SQS itself when sent ${refusedBySqs.size} (never reached the service)`,
  `bad ended with a reason ${ended}/${delivered().length} (SQS dead-letter queue ${counts['sqs-dead-letter-queue']}, dead-letter topic ${counts['dead-letter']}, ignored ${counts.ignored}); wrong ending ${wrongEndings}`,
  `endings of messages not sent by this run ${unknownDeadLetters}`,
  `requests outside the allow-list ${outsider.requests.length}`,
  `crashes ${crashes}`,
  `secrets in log lines ${secretLines + bearerLines}, in dead-letter headers ${secretHeaders}`,
  `peak RSS connector ${rss['connector']} MiB, processor ${rss['processor']} MiB, sink ${rss['sink']} MiB`,
  `time to drain ${(drainedInMs / 1000).toFixed(1)} s (whole run ${((performance.now() - startedAt) / 1000).toFixed(1)} s)`,
];
for (const line of lines) console.log(line);
for (const line of wrong) console.log(`  wrong: ${line}`);
for (const line of missingIds) console.log(`  no ending: ${line}`);
for (const request of outsider.requests.slice(0, 5)) console.log(`  outsider asked: ${request}`);

const wrongCount = [...byCategory.values()].reduce((sum, row) => sum + row.wrong + row.missing, 0);
const passed =
  goodApplied === good.size &&
  wrongCount === 0 &&
  unknownDeadLetters === 0 &&
  outsider.requests.length === 0 &&
  flood.answered === flood.requests &&
  httpPorts.length === stages.length &&
  crashes === 0 &&
  secretLines + bearerLines + secretHeaders === 0;
await pipeline.close();
await answers.close();
await outsider.close();
await scope.close();
if (stackStarted.length) await stackDown(() => undefined, stackStarted);
console.log(passed ? 'hostile input: passed' : 'hostile input: FAILED');
process.exit(passed ? 0 : 1);
