import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { cachedDirectory } from './cached.ts';
import { findJava } from './java.ts';
import { copyDependencies } from './maven.ts';
import { cacheDir, rootDir, runtimeDir } from './paths.ts';
import { spawnDetached } from './processes.ts';
import { servers } from './versions.ts';

const run = promisify(execFile);
const pom = path.join(rootDir, 'infra', 'kafka', 'pom.xml');

export const kafkaVersion = servers.kafka.version;

const libDir = path.join(cacheDir, `kafka-${kafkaVersion}`);
const kafkaRuntime = path.join(runtimeDir, 'kafka');

/** Whether the server is in `.cache/` already (what fetching it leaves when it completes). */
export function kafkaFetched(): boolean {
  return existsSync(path.join(libDir, '.complete'));
}

export function fetchKafka(onFetch?: () => void): Promise<boolean> {
  return cachedDirectory(
    libDir,
    (tmp) => copyDependencies(pom, tmp, rootDir, { 'kafka.version': kafkaVersion }),
    onFetch,
  );
}

export interface KafkaPorts {
  readonly port: number;
  readonly controllerPort: number;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, avoiding a leading '-' as Kafka's Uuid does. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * A broker that requires TLS and SASL/SCRAM on its client listener, as a secured production cluster does: its
 * key and certificate in a PKCS12 keystore, the certificate trusted by its own inter-broker client, and the SCRAM
 * users written into its metadata when its storage is formatted.
 */
export interface BrokerSecurity {
  readonly keystore: string;
  readonly truststore: string;
  readonly storePassword: string;
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** The broker's own user first (inter-broker), then the clients'. */
  readonly users: readonly { readonly name: string; readonly password: string }[];
}

function listenerProperties({ port, controllerPort }: KafkaPorts, security?: BrokerSecurity): string[] {
  const common = [
    'controller.listener.names=CONTROLLER',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
  ];
  if (!security) {
    return [
      ...common,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ];
  }
  const broker = security.users[0];
  if (!broker) throw new Error('a secured broker needs its own SCRAM user');
  const mechanism = security.mechanism.toLowerCase();
  return [
    ...common,
    `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
    'inter.broker.listener.name=SASL_SSL',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
    `sasl.enabled.mechanisms=${security.mechanism}`,
    `sasl.mechanism.inter.broker.protocol=${security.mechanism}`,
    `listener.name.sasl_ssl.${mechanism}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${broker.name}" password="${broker.password}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${security.keystore}`,
    `ssl.keystore.password=${security.storePassword}`,
    `ssl.key.password=${security.storePassword}`,
    'ssl.truststore.type=PKCS12',
    `ssl.truststore.location=${security.truststore}`,
    `ssl.truststore.password=${security.storePassword}`,
    'ssl.client.auth=none',
  ];
}

export function serverProperties(ports: KafkaPorts, dataDir: string, security?: BrokerSecurity): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    ...listenerProperties(ports, security),
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by the service at start-up with the configured partition count, never implicitly.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** Without a log4j2 configuration the broker prints nothing at all. */
export const kafkaLog4j2 = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.kafka.name = kafka',
  'logger.kafka.level = info',
  '',
].join('\n');

/** Where a broker keeps its data, configuration and log; the stack's own by default. */
export interface KafkaPlace {
  readonly dir: string;
  readonly logFile: string;
}

export const stackKafkaPlace: KafkaPlace = {
  dir: kafkaRuntime,
  logFile: path.join(runtimeDir, 'kafka.log'),
};

/**
 * Starts a single-node broker+controller and returns its process id. A fresh start formats a new data directory;
 * a restart (`keepData`) starts the same broker again on the data it had, as after an outage.
 */
export async function startKafka(
  ports: KafkaPorts,
  {
    place = stackKafkaPlace,
    keepData = false,
    security,
  }: { place?: KafkaPlace; keepData?: boolean; security?: BrokerSecurity } = {},
): Promise<number> {
  const java = findJava(17, `Kafka ${kafkaVersion}`);
  const dataDir = path.join(place.dir, 'data');
  const propertiesFile = path.join(place.dir, 'server.properties');
  const log4jFile = path.join(place.dir, 'log4j2.properties');
  const classpath = ['-cp', `${libDir}/*`, `-Dlog4j2.configurationFile=${log4jFile}`];
  if (!keepData) {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    await writeFile(propertiesFile, serverProperties(ports, dataDir, security));
    await writeFile(log4jFile, kafkaLog4j2);
    await run(java.bin, [
      ...classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId(),
      '-c',
      propertiesFile,
      ...(security?.users.flatMap(({ name, password }) => [
        '--add-scram',
        `${security.mechanism}=[name=${name},password=${password}]`,
      ]) ?? []),
    ]);
  }
  return spawnDetached(
    java.bin,
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', ...classpath, 'kafka.Kafka', propertiesFile],
    { cwd: place.dir, logFile: place.logFile },
  );
}

/** Ready when a client can read the cluster's metadata and a consumer-group coordinator answers. */
export async function kafkaReady(port: number): Promise<boolean> {
  const kafka = new kafkajs.Kafka({
    brokers: [`127.0.0.1:${port}`],
    clientId: 'infra-probe',
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listGroups();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
