// The service on a secured estate: a Kafka cluster that requires TLS and SASL/SCRAM, as MSK or Confluent Cloud
// do, and a schema registry behind TLS and basic auth. Its security settings, proven against a real broker and
// the real registry, with certificates keytool made at their start.
import kafkajs from 'kafkajs';
import { hostKeytool, startSecuredKafka, type SecuredKafka } from '../../infra/secured-kafka.ts';
import { choosePort, waitUntil } from '../../infra/processes.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { kafkaSecurityOptions, registrySecurityOptions } from '../../src/kafka/security.ts';
import { loadConfig } from '../../src/config/config.ts';
import { examplePairs } from '../support/delius.ts';
import { eventually } from '../support/eventually.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { securedRegistry } from '../support/secured-registry.ts';
import { containersStackInfo, keytoolInContainer } from '../../infra/containers/stack.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';
import { createSchemaRegistry } from '../../src/kafka/avro-schemas.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Whether a client with these settings can read the cluster's metadata. */
async function canConnect(brokers: string, env: Record<string, string>): Promise<true | string> {
  const security = await kafkaSecurityOptions(
    loadConfig({
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
      ALLOCATIONS_QUEUE_URL: 'http://127.0.0.1:1/q',
      HMPPS_AUTH_URL: 'http://127.0.0.1:1',
      HMPPS_AUTH_CLIENT_ID: 'x',
      HMPPS_AUTH_CLIENT_SECRET: 'x',
      DETAIL_URL_ALLOW_LIST: 'http://127.0.0.1:1',
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      ...env,
    }),
  );
  const admin = createKafka({ brokers: [brokers], clientId: 'secured-probe', security }, testLogger, {
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3_000,
    authenticationTimeout: 3_000,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('a Kafka cluster that requires TLS and SASL/SCRAM, and a registry that requires TLS and basic auth', () => {
  const scope = testScope('e2e-secured');
  let broker: SecuredKafka;
  let registry: Awaited<ReturnType<typeof securedRegistry>>;
  let registryDir: string;
  let secured: Record<string, string>;
  let pipeline: TestPipeline | undefined;

  beforeAll(async () => {
    // Of the same kind as the stack: a container on the containers stack, a process on the process stack.
    const containers =
      (await stackEnv())['STACK'] === 'containers' ? (await containersStackInfo()).kafka : undefined;
    broker = await startSecuredKafka(
      { port: await choosePort(39192), controllerPort: await choosePort(39193) },
      containers ? { containers } : {},
    );
    secured = {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: broker.caFile,
      KAFKA_SASL_MECHANISM: broker.mechanism.toLowerCase(),
      KAFKA_SASL_USERNAME: broker.client.username,
      KAFKA_SASL_PASSWORD: broker.client.password,
    };
    registryDir = await mkdtemp(path.join(tmpdir(), 'secured-registry-'));
    registry = await securedRegistry(
      requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'),
      registryDir,
      containers ? keytoolInContainer(containers.engine, containers.image, registryDir) : hostKeytool,
    );
    await waitUntil(async () => (await canConnect(broker.brokers, secured)) === true, {
      timeoutMs: ceiling(60_000),
      what: `the secured broker (log: ${broker.dir}/kafka.log)`,
    });
  }, ceiling(120_000));

  afterAll(async () => {
    await pipeline?.close();
    await scope.close();
    await broker.stop();
    await registry.close();
    await rm(registryDir, { recursive: true, force: true });
  });

  it('refuses a client without TLS, without credentials or with a wrong password', async () => {
    expect(await canConnect(broker.brokers, {})).not.toBe(true);
    const { KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, ...tlsOnly } = secured;
    expect([KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD]).toHaveLength(3);
    expect(await canConnect(broker.brokers, tlsOnly)).not.toBe(true);
    expect(await canConnect(broker.brokers, { ...secured, KAFKA_SASL_PASSWORD: 'wrong' })).toContain(
      'SASL SCRAM SHA512 authentication failed',
    );
  });

  it('refuses a registry client without the credentials, and trusts the registry only with its CA', async () => {
    const withoutCredentials = createSchemaRegistry(
      registry.url,
      registrySecurityOptions({ SCHEMA_REGISTRY_CA_FILE: registry.caFile }),
    );
    await expect(withoutCredentials.getLatestSchemaId('anything-value')).rejects.toThrow();
    expect(registry.refused.length).toBeGreaterThan(0);
    const withoutCa = createSchemaRegistry(
      registry.url,
      registrySecurityOptions({
        SCHEMA_REGISTRY_USERNAME: registry.credentials.username,
        SCHEMA_REGISTRY_PASSWORD: registry.credentials.password,
      }),
    );
    await expect(withoutCa.getLatestSchemaId('anything-value')).rejects.toThrow(/self[- ]signed certificate/);
  });

  it('carries every example through the pipeline to Delius with the service’s security settings', async () => {
    const refusedBefore = registry.refused.length;
    pipeline = await testPipeline(scope, {
      env: {
        KAFKA_BROKERS: broker.brokers,
        ...secured,
        SCHEMA_REGISTRY_URL: registry.url,
        SCHEMA_REGISTRY_CA_FILE: registry.caFile,
        SCHEMA_REGISTRY_USERNAME: registry.credentials.username,
        SCHEMA_REGISTRY_PASSWORD: registry.credentials.password,
      },
    });
    const statuses: string[] = [];
    for (const [message] of examplePairs) {
      const messageId = await pipeline.publishExample(message);
      const outcome = await eventually(() => pipeline!.outcomeOf('sink', messageId) ?? false);
      statuses.push(outcome.status);
    }
    // As on the plaintext stack (test/e2e/examples.test.ts): 12 apply, 3 are duplicates of earlier ones.
    expect(statuses.filter((status) => status === 'applied')).toHaveLength(12);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(3);
    // Every registry request of the service carried its credentials.
    expect(registry.refused.length).toBe(refusedBefore);
  });
});
