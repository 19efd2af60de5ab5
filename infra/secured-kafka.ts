import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findJava } from './java.ts';
import { startKafka, type BrokerSecurity, type KafkaPorts } from './kafka.ts';
import { runtimeDir } from './paths.ts';
import { stopProcessGroup } from './processes.ts';

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

/** The certificates of a broker for 127.0.0.1: keystore, truststore and the PEM clients trust. */
export async function makeBrokerCertificates(dir: string) {
  const java = findJava(17, 'keytool');
  const keytool = path.join(path.dirname(java.bin), 'keytool');
  const storePassword = randomBytes(12).toString('hex');
  const keystore = path.join(dir, 'broker.p12');
  const truststore = path.join(dir, 'truststore.p12');
  const caFile = path.join(dir, 'ca.pem');
  const common = ['-storetype', 'PKCS12', '-storepass', storePassword];
  await run(keytool, [
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
  await run(keytool, [
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
  await run(keytool, [
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

export async function startSecuredKafka(ports: KafkaPorts): Promise<SecuredKafka> {
  await mkdir(runtimeDir, { recursive: true });
  const dir = await mkdtemp(path.join(runtimeDir, 'secured-kafka-'));
  const { keystore, truststore, caFile, storePassword } = await makeBrokerCertificates(dir);
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
  const pid = await startKafka(ports, {
    place: { dir, logFile: path.join(dir, 'kafka.log') },
    security,
  });
  return {
    brokers: `127.0.0.1:${ports.port}`,
    caFile,
    mechanism: security.mechanism,
    client,
    dir,
    async stop() {
      await stopProcessGroup(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
