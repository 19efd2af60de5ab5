import { randomBytes } from 'node:crypto';
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

export function fetchKafka(): Promise<boolean> {
  return cachedDirectory(libDir, (tmp) =>
    copyDependencies(pom, tmp, rootDir, { 'kafka.version': kafkaVersion }),
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

export function serverProperties({ port, controllerPort }: KafkaPorts, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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
  { place = stackKafkaPlace, keepData = false }: { place?: KafkaPlace; keepData?: boolean } = {},
): Promise<number> {
  const java = findJava(17, `Kafka ${kafkaVersion}`);
  const dataDir = path.join(place.dir, 'data');
  const propertiesFile = path.join(place.dir, 'server.properties');
  const log4jFile = path.join(place.dir, 'log4j2.properties');
  const classpath = ['-cp', `${libDir}/*`, `-Dlog4j2.configurationFile=${log4jFile}`];
  if (!keepData) {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    await writeFile(propertiesFile, serverProperties(ports, dataDir));
    await writeFile(log4jFile, kafkaLog4j2);
    await run(java.bin, [
      ...classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId(),
      '-c',
      propertiesFile,
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
