import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { kafkaReady, serverProperties, type BrokerSecurity, type KafkaPorts } from '../kafka.ts';
import { envFile, runtimeDir } from '../paths.ts';
import { testDatabase } from '../postgres.ts';
import { canConnect, choosePort, waitUntil } from '../processes.ts';
import { registryReady } from '../registry.ts';
import { sqsReady } from '../sqs.ts';
import { awsRegion, completeStack, readStackEnv, type StackEnv, type StackUpResult } from '../stack.ts';
import { servers } from '../versions.ts';
import { docker, type DockerHost } from './docker.ts';
import { ensureEngine, stopOwnEngine, testcontainersEnv, type DockerEngine } from './engine.ts';
import { buildLocalImages, type LocalImages } from './local-images.ts';

/**
 * The local stack as containers, through testcontainers: the same servers, versions and env file as the process
 * stack (infra/stack.ts), so that the service, the CLI and the tests cannot tell which one serves them.
 *
 * Where an image registry is reachable and the engine has a bridge network, it runs the public images compose
 * names, with mapped ports. Elsewhere (these machines) it runs images built locally from Debian's packages on the
 * host network, each server listening on a loopback port chosen here.
 */
const stateFile = path.join(runtimeDir, 'containers.json');
const componentSchema = z.object({ id: z.string(), port: z.number().int() });
const stateSchema = z.object({
  host: z.string(),
  images: z.enum(['public', 'local']),
  kafkaImage: z.string(),
  nodeImage: z.string(),
  bridge: z.boolean(),
  kafka: componentSchema.optional(),
  registry: componentSchema.optional(),
  sqs: componentSchema.optional(),
  postgres: componentSchema.optional(),
});
type ContainersState = z.infer<typeof stateSchema>;
const components = ['kafka', 'registry', 'sqs', 'postgres'] as const;
type Component = (typeof components)[number];

const preferredPorts: Record<Component, number> = {
  kafka: 19092,
  registry: 18081,
  sqs: 14566,
  postgres: 15432,
};

async function readState(): Promise<ContainersState | undefined> {
  if (!existsSync(stateFile)) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(await readFile(stateFile, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

async function writeState(state: ContainersState): Promise<void> {
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

const postgresAdminUrlFor = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

const readiness: Record<Component, (port: number) => Promise<boolean>> = {
  kafka: kafkaReady,
  registry: registryReady,
  sqs: sqsReady,
  postgres: (port) => canConnect(port),
};

/** Whether an image registry answers (any HTTP answer will do); CONTAINER_IMAGES=public|local decides instead. */
async function registryReachable(): Promise<boolean> {
  try {
    await fetch('https://registry-1.docker.io/v2/', { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

async function choosePublicImages(engine: DockerEngine): Promise<boolean> {
  const chosen = process.env['CONTAINER_IMAGES'];
  if (chosen === 'public') return true;
  if (chosen === 'local') return false;
  if (chosen) throw new Error(`CONTAINER_IMAGES must be public or local, not ${chosen}`);
  return engine.bridge && (await registryReachable());
}

/** The images to run: compose's public ones, or the local ones of the same versions. */
export interface StackImages {
  readonly kind: 'public' | 'local';
  readonly kafka: string;
  readonly registry: string;
  readonly sqs: string;
  readonly postgres: string;
  /** The production image's base: `node:24-bookworm-slim`, or its local stand-in. */
  readonly node: string;
}

export async function stackImages(engine: DockerEngine, log: (line: string) => void): Promise<StackImages> {
  if (await choosePublicImages(engine)) {
    return {
      kind: 'public',
      kafka: servers.kafka.image,
      registry: servers.registry.image,
      sqs: servers.sqs.image,
      postgres: servers.postgres.image,
      node: 'node:24-bookworm-slim',
    };
  }
  const local: LocalImages = await buildLocalImages(engine.host, log);
  return { kind: 'local', ...local };
}

/** testcontainers reads its settings from the environment when it first meets the engine. */
async function loadTestcontainers(engine: DockerEngine) {
  Object.assign(process.env, testcontainersEnv(engine));
  return import('testcontainers');
}

/**
 * A broker that requires TLS and SASL/SCRAM (infra/secured-kafka.ts), in a container on the host network: its
 * keystores in `dir`, mounted at the same path, and its SCRAM users written when its storage is formatted. Runs
 * the broker's own scripts or classes, so that it works with the public image and the local one alike.
 */
export async function startSecuredKafkaContainer(
  engine: DockerEngine,
  image: string,
  {
    ports,
    local,
    dir,
    security,
  }: { ports: KafkaPorts; local: boolean; dir: string; security: BrokerSecurity },
): Promise<string> {
  const { GenericContainer } = await loadTestcontainers(engine);
  const properties = `${dir}/server.properties`;
  const scram = security.users
    .map(({ name, password }) => `--add-scram '${security.mechanism}=[name=${name},password=${password}]'`)
    .join(' ');
  const classpath = "-cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties";
  const [storage, server] = local
    ? [`java ${classpath} kafka.tools.StorageTool`, `java -Xmx512m ${classpath} kafka.Kafka`]
    : ['/opt/kafka/bin/kafka-storage.sh', '/opt/kafka/bin/kafka-server-start.sh'];
  const container = await new GenericContainer(image)
    .withNetworkMode('host')
    .withUser('0')
    .withBindMounts([{ source: dir, target: dir }])
    .withCopyContentToContainer([
      { content: serverProperties(ports, '/tmp/kafka-data', security), target: properties },
    ])
    .withCommand([
      'sh',
      '-c',
      `${storage} format -t ${clusterIdFor(ports.port)} -c ${properties} ${scram} && exec ${server} ${properties}`,
    ])
    .start();
  return container.getId();
}

/** The JDK's keytool, run in the Kafka image (which has a JDK), with `dir` mounted at the same path. */
export function keytoolInContainer(engine: DockerEngine, image: string, dir: string) {
  return (args: readonly string[]) =>
    docker(engine.host, [
      'run',
      '--rm',
      '--user',
      '0',
      '--network',
      'host',
      '-v',
      `${dir}:${dir}`,
      image,
      'keytool',
      ...args,
    ]).then(() => undefined);
}

/** A KRaft broker+controller in a container; on the host network it listens on `port` and `port + 1`. */
export async function startKafkaContainer(
  engine: DockerEngine,
  image: string,
  { port, controllerPort, local }: { port: number; controllerPort: number; local: boolean },
): Promise<string> {
  const { GenericContainer } = await loadTestcontainers(engine);
  if (local) {
    const classpath = "-cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties";
    const container = await new GenericContainer(image)
      .withNetworkMode('host')
      .withCopyContentToContainer([
        {
          content: serverProperties({ port, controllerPort }, '/var/lib/kafka/data'),
          target: '/opt/kafka/server.properties',
        },
      ])
      .withCommand([
        'sh',
        '-c',
        // --ignore-formatted: a restarted container (an outage in a test) keeps the data it had.
        `java ${classpath} kafka.tools.StorageTool format --ignore-formatted -t ${clusterIdFor(port)} -c /opt/kafka/server.properties` +
          ` && exec java -Xms256m -Xmx512m -XX:+UseG1GC ${classpath} kafka.Kafka /opt/kafka/server.properties`,
      ])
      .start();
    return container.getId();
  }
  const container = await new GenericContainer(image)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:${controllerPort}`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${controllerPort}`,
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .start();
  return container.getId();
}

/** A fixed cluster id per port: a restarted container must find the id its data was formatted with. */
function clusterIdFor(port: number): string {
  return Buffer.from(`workforce-${port}`.padEnd(16, '-').slice(0, 16)).toString('base64url');
}

async function startComponent(
  component: Component,
  engine: DockerEngine,
  images: StackImages,
  port: number,
  taken: Set<number>,
): Promise<string> {
  const local = images.kind === 'local';
  if (component === 'kafka') {
    const controllerPort = await choosePort(port + 1, taken);
    return startKafkaContainer(engine, images.kafka, { port, controllerPort, local });
  }
  const { GenericContainer, Wait } = await loadTestcontainers(engine);
  if (component === 'registry') {
    const deletion = {
      APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
      APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
      APICURIO_REST_DELETION_GROUP_ENABLED: 'true',
    };
    const container = local
      ? new GenericContainer(images.registry)
          .withNetworkMode('host')
          .withEnvironment(deletion)
          .withCommand([
            'java',
            '-Xmx384m',
            '-Djava.util.logging.manager=org.jboss.logmanager.LogManager',
            '-Dquarkus.http.host=127.0.0.1',
            `-Dquarkus.http.port=${port}`,
            '-Dquarkus.management.host=127.0.0.1',
            `-Dquarkus.management.port=${await choosePort(port + 1, taken)}`,
            '-jar',
            'quarkus-run.jar',
          ])
      : new GenericContainer(images.registry)
          .withExposedPorts({ container: 8080, host: port })
          .withEnvironment({ ...deletion, APICURIO_STORAGE_KIND: 'sql', APICURIO_STORAGE_SQL_KIND: 'h2' });
    return (await container.start()).getId();
  }
  if (component === 'sqs') {
    const container = local
      ? new GenericContainer(images.sqs)
          .withNetworkMode('host')
          .withCommand(['node', 'fauxqs-server.ts', String(port), awsRegion])
      : new GenericContainer(images.sqs)
          .withExposedPorts({ container: 4566, host: port })
          .withEnvironment({ FAUXQS_DEFAULT_REGION: awsRegion, FAUXQS_LOGGER: 'false' });
    return (await container.start()).getId();
  }
  const container = local
    ? new GenericContainer(images.postgres)
        .withNetworkMode('host')
        .withCommand([
          'sh',
          '-c',
          `initdb --auth=trust --username=postgres >/dev/null && exec postgres -c listen_addresses=127.0.0.1 -p ${port} -k /tmp`,
        ])
    : new GenericContainer(images.postgres)
        .withExposedPorts({ container: 5432, host: port })
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: testDatabase })
        // The public image starts a server to initialise the database, stops it, and starts the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2));
  return (await container.start()).getId();
}

async function containerRunning(host: DockerHost, id: string): Promise<boolean> {
  return docker(host, ['inspect', '--format', '{{.State.Running}}', id]).then(
    (running) => running === 'true',
    () => false,
  );
}

export async function removeContainer(host: DockerHost, id: string): Promise<void> {
  await docker(host, ['rm', '--force', '--volumes', id]).catch(() => undefined);
}

/** The last lines a container printed, for a start-up that failed. */
export async function containerLogs(host: DockerHost, id: string): Promise<string> {
  return docker(host, ['logs', '--tail', '40', id]).catch((error: unknown) => String(error));
}

/**
 * Starts every server that is not already running and answering as a container, provisions SNS/SQS and writes
 * the env file. Starts (and later stops) a Docker engine of its own where none answers but one can be started.
 */
export async function containersUp(log: (line: string) => void = () => undefined): Promise<StackUpResult> {
  await mkdir(runtimeDir, { recursive: true });
  const engine = await ensureEngine({ start: true, log });
  if (!engine) throw new Error('no Docker engine');
  const started: string[] = engine.startedNow ? ['docker-engine'] : [];
  const images = await stackImages(engine, log);
  log(`images: ${images.kind} (${[images.kafka, images.registry, images.sqs, images.postgres].join(', ')})`);

  const previous = await readState();
  const state: ContainersState = {
    host: engine.host,
    images: images.kind,
    kafkaImage: images.kafka,
    nodeImage: images.node,
    bridge: engine.bridge,
  };
  const taken = new Set<number>();
  for (const component of components) {
    const known = previous?.host === engine.host ? previous[component] : undefined;
    if (
      known &&
      (await containerRunning(engine.host, known.id)) &&
      (await readiness[component](known.port))
    ) {
      state[component] = known;
      taken.add(known.port);
    } else if (known) {
      await removeContainer(engine.host, known.id);
    }
  }

  const waits: Promise<void>[] = [];
  for (const component of components) {
    if (state[component]) continue;
    const port = await choosePort(preferredPorts[component], taken);
    taken.add(port);
    const startedAt = performance.now();
    log(`starting ${component} on 127.0.0.1:${port}`);
    const id = await startComponent(component, engine, images, port, taken);
    state[component] = { id, port };
    await writeState(state);
    started.push(component);
    waits.push(
      waitUntil(() => readiness[component](port), {
        timeoutMs: 180_000,
        what: `${component} in container ${id.slice(0, 12)} on port ${port}`,
      }).then(
        () => log(`${component} ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`),
        async (error: unknown) => {
          throw new Error(`${String(error)}\n${await containerLogs(engine.host, id)}`, { cause: error });
        },
      ),
    );
  }
  await writeState(state);
  await Promise.all(waits);

  const { kafka, registry, sqs, postgres } = state as Required<ContainersState>;
  const env = await completeStack({
    kind: 'containers',
    kafkaPort: kafka.port,
    registryPort: registry.port,
    sqsPort: sqs.port,
    postgresAdminUrl: postgresAdminUrlFor(postgres.port),
  });
  return { env, started, downloaded: [] };
}

/** The env of a containers stack that is up and answering, or undefined, so that other tools can reuse it. */
export async function runningContainersStack(): Promise<StackEnv | undefined> {
  const state = await readState();
  const env = await readStackEnv();
  if (!state || env?.['STACK'] !== 'containers') return undefined;
  for (const component of components) {
    const known = state[component];
    if (!known || !(await containerRunning(state.host, known.id))) return undefined;
  }
  return env;
}

/** Removes the stack's containers (or only some), and stops the engine if this stack started it. */
export async function containersDown(
  log: (line: string) => void = () => undefined,
  only?: readonly string[],
): Promise<void> {
  const state = await readState();
  const chosen = (name: string) => !only || only.includes(name);
  if (state) {
    await Promise.all(
      components.map(async (component) => {
        const known = state[component];
        if (!known || !chosen(component)) return;
        log(`removing ${component} (container ${known.id.slice(0, 12)})`);
        await removeContainer(state.host, known.id);
        delete state[component];
      }),
    );
    if (components.some((component) => state[component])) {
      await writeState(state);
    } else {
      await rm(stateFile, { force: true });
      // Its endpoints are gone with it; the process stack's env file is the process stack's to remove.
      if ((await readStackEnv())?.['STACK'] === 'containers') await rm(envFile, { force: true });
    }
  }
  if (chosen('docker-engine')) await stopOwnEngine(log);
}

/** Each container of the stack: running or not, where, and its container id. */
export async function containersStatus(): Promise<{ name: string; running: boolean; endpoint?: string }[]> {
  const state = await readState();
  if (!state) return [];
  return Promise.all(
    components.map(async (name) => {
      const known = state[name];
      if (!known) return { name, running: false };
      const running = (await containerRunning(state.host, known.id)) && (await readiness[name](known.port));
      return { name, running, endpoint: `127.0.0.1:${known.port} (container ${known.id.slice(0, 12)})` };
    }),
  );
}

/** The stack's Kafka image, on its engine: local (built here, host network) or public. */
export interface KafkaImage {
  readonly engine: DockerEngine;
  readonly image: string;
  readonly local: boolean;
}

/** What a test needs to run containers of its own beside the stack's: the engine and the images it uses. */
export async function containersStackInfo() {
  const state = await readState();
  if (!state) throw new Error('no containers stack is running');
  const engine: DockerEngine = { host: state.host, bridge: state.bridge };
  const kafka: KafkaImage = { engine, image: state.kafkaImage, local: state.images === 'local' };
  return {
    engine,
    /** For a broker of a test's own beside the stack's. */
    kafka,
    /** The production image's base: `node:24-bookworm-slim` or its local stand-in. */
    nodeImage: state.nodeImage,
    /** testcontainers, with its settings for this engine. */
    testcontainers: () => loadTestcontainers(engine),
  };
}
