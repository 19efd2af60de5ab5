import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import kafkajs from 'kafkajs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findJava } from './java.ts';
import { startKafka, type BrokerSecurity, type KafkaPorts } from './kafka.ts';
import { runtimeDir } from './paths.ts';
import { stopProcessGroup } from './processes.ts';
import { docker } from './containers/docker.ts';
import {
  keytoolInContainer,
  removeContainer,
  startSecuredKafkaContainer,
  type KafkaImage,
} from './containers/stack.ts';

const run = promisify(execFile);

/**
 * A Kafka broker that requires TLS with SASL/SCRAM, as a secured production cluster (MSK, Confluent) does, for
 * proving the service's security settings for real. Its certificate is made at start with the JDK's keytool: a
 * self-signed key pair for 127.0.0.1, whose certificate is the CA the clients trust.
 */
export interface SecuredKafka {
  readonly brokers: string;
  /** The PEM a client trusts (KAFKA_SSL_CA_FILE). */
  readonly caFile: string;
  readonly mechanism: BrokerSecurity['mechanism'];
  /** A client user the broker knows. */
  readonly client: { readonly username: string; readonly password: string };
  readonly dir: string;
  stop(): Promise<void>;
}

/** Runs the JDK's keytool with these arguments. */
export type Keytool = (args: readonly string[]) => Promise<void>;

/** The keytool of the JDK the process stack would use. */
export const hostKeytool: Keytool = async (args) => {
  const java = findJava(17, 'keytool');
  await run(path.join(path.dirname(java.bin), 'keytool'), [...args]);
};

/** The certificates of a broker for 127.0.0.1: keystore, truststore and the PEM clients trust. */
export async function makeBrokerCertificates(dir: string, keytool: Keytool = hostKeytool) {
  const storePassword = randomBytes(12).toString('hex');
  const keystore = path.join(dir, 'broker.p12');
  const truststore = path.join(dir, 'truststore.p12');
  const caFile = path.join(dir, 'ca.pem');
  const common = ['-storetype', 'PKCS12', '-storepass', storePassword];
  await keytool([
    '-genkeypair',
    '-alias',
    'broker',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    '7',
    '-dname',
    'CN=localhost',
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
    '-keystore',
    keystore,
    '-keypass',
    storePassword,
    ...common,
  ]);
  await keytool([
    '-exportcert',
    '-rfc',
    '-alias',
    'broker',
    '-keystore',
    keystore,
    '-file',
    caFile,
    ...common,
  ]);
  await keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    'broker',
    '-file',
    caFile,
    '-keystore',
    truststore,
    ...common,
  ]);
  return { keystore, truststore, caFile, storePassword };
}

/**
 * Starts the broker as a process (Java on this machine), or as a container of the containers stack's Kafka image
 * (`containers`), its certificates then made by the keytool of that image's JDK.
 */
export async function startSecuredKafka(
  ports: KafkaPorts,
  { containers }: { containers?: KafkaImage } = {},
): Promise<SecuredKafka> {
  await mkdir(runtimeDir, { recursive: true });
  const dir = await mkdtemp(path.join(runtimeDir, 'secured-kafka-'));
  const { keystore, truststore, caFile, storePassword } = await makeBrokerCertificates(
    dir,
    containers ? keytoolInContainer(containers.engine, containers.image, dir) : hostKeytool,
  );
  const client = { username: 'allocations', password: randomBytes(12).toString('hex') };
  const security: BrokerSecurity = {
    keystore,
    truststore,
    storePassword,
    mechanism: 'SCRAM-SHA-512',
    users: [
      { name: 'broker', password: randomBytes(12).toString('hex') },
      { name: client.username, password: client.password },
    ],
  };
  const stop = containers
    ? await startInContainer(containers, { ports, dir, security })
    : await startAsProcess({ ports, dir, security });
  return {
    brokers: `127.0.0.1:${ports.port}`,
    caFile,
    mechanism: security.mechanism,
    client,
    dir,
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface BrokerPlace {
  readonly ports: KafkaPorts;
  readonly dir: string;
  readonly security: BrokerSecurity;
}

/** Starts the broker as a process; returns how to stop it. */
async function startAsProcess({ ports, dir, security }: BrokerPlace): Promise<() => Promise<void>> {
  const pid = await startKafka(ports, { place: { dir, logFile: path.join(dir, 'kafka.log') }, security });
  return () => stopProcessGroup(pid);
}

/** Starts the broker as a container; returns how to stop it. */
async function startInContainer(
  containers: KafkaImage,
  { ports, dir, security }: BrokerPlace,
): Promise<() => Promise<void>> {
  const { engine, image, local } = containers;
  const id = await startSecuredKafkaContainer(engine, image, { ports, local, dir, security });
  return async () => {
    await removeContainer(engine.host, id);
    // What the container wrote as root in the mounted folder: removed by a container too.
    await docker(engine.host, [
      'run',
      '--rm',
      '--user',
      '0',
      '-v',
      `${dir}:${dir}`,
      image,
      'rm',
      '-rf',
      `${dir}/`,
    ]).catch(() => undefined);
  };
}

/** The settings that make the service (or the `allocations` tool) use this broker. */
export function securedKafkaEnv(broker: SecuredKafka): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: broker.mechanism.toLowerCase(),
    KAFKA_SASL_USERNAME: broker.client.username,
    KAFKA_SASL_PASSWORD: broker.client.password,
  };
}

/** Ready when a client with TLS and the client's SCRAM credentials can read the cluster's metadata. */
export async function securedKafkaReady(broker: SecuredKafka): Promise<boolean> {
  const admin = new kafkajs.Kafka({
    brokers: [broker.brokers],
    clientId: 'infra-probe',
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2_000,
    ssl: { ca: [await readFile(broker.caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: broker.client.username, password: broker.client.password },
  }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
