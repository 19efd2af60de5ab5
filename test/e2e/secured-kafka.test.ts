// The service on a Kafka cluster that requires TLS and SASL/SCRAM, as MSK or Confluent Cloud do: its security
// settings, proven against a real broker whose certificate keytool made at its start.
import kafkajs from 'kafkajs';
import { startSecuredKafka, type SecuredKafka } from '../../infra/secured-kafka.ts';
import { choosePort, waitUntil } from '../../infra/processes.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { kafkaSecurityOptions } from '../../src/kafka/security.ts';
import { loadConfig } from '../../src/config/config.ts';
import { examplePairs } from '../support/delius.ts';
import { eventually } from '../support/eventually.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

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

describe('a Kafka cluster that requires TLS and SASL/SCRAM', () => {
  const scope = testScope('e2e-secured');
  let broker: SecuredKafka;
  let secured: Record<string, string>;
  let pipeline: TestPipeline | undefined;

  beforeAll(async () => {
    broker = await startSecuredKafka({
      port: await choosePort(39192),
      controllerPort: await choosePort(39193),
    });
    secured = {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: broker.caFile,
      KAFKA_SASL_MECHANISM: broker.mechanism.toLowerCase(),
      KAFKA_SASL_USERNAME: broker.client.username,
      KAFKA_SASL_PASSWORD: broker.client.password,
    };
    await waitUntil(async () => (await canConnect(broker.brokers, secured)) === true, {
      timeoutMs: ceiling(60_000),
      what: `the secured broker (log: ${broker.dir}/kafka.log)`,
    });
  }, ceiling(120_000));

  afterAll(async () => {
    await pipeline?.close();
    await scope.close();
    await broker.stop();
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

  it('carries every example through the pipeline to Delius with the service’s security settings', async () => {
    pipeline = await testPipeline(scope, { env: { KAFKA_BROKERS: broker.brokers, ...secured } });
    const statuses: string[] = [];
    for (const [message] of examplePairs) {
      const messageId = await pipeline.publishExample(message);
      const outcome = await eventually(() => pipeline!.outcomeOf('sink', messageId) ?? false);
      statuses.push(outcome.status);
    }
    // As on the plaintext stack (test/e2e/examples.test.ts): 12 apply, 3 are duplicates of earlier ones.
    expect(statuses.filter((status) => status === 'applied')).toHaveLength(12);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(3);
  });
});
