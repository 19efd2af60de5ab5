// Start-up waits for the dependencies that are down (rules RT1, README "Bad input loses nothing and stops
// nothing"): a stage started while Kafka or the schema registry is down says so once a try and starts when they
// are back, instead of exiting into a restart loop.
import { topologyOf } from '../../src/topology.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { eventually } from '../support/eventually.ts';
import { testLogger, testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline } from '../support/pipeline.ts';
import { startStageProcess } from '../support/processes.ts';
import { privateBroker } from '../support/private-broker.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';
import { waitForGroupMembers } from '../support/synthetic-allocations.ts';
import { tcpProxy } from '../support/tcp-proxy.ts';

describe('a stage started while Kafka and the schema registry are down', () => {
  const scope = testScope('start-up-outages');
  afterAll(() => scope.close());

  it('waits for each, saying so, starts once they are back, and stops cleanly', async () => {
    const broker = await privateBroker();
    const registry = new URL(requireEnv(await stackEnv(), 'SCHEMA_REGISTRY_URL'));
    const registryProxy = await tcpProxy({ host: registry.hostname, port: Number(registry.port) });
    const viaProxy = new URL(registry);
    viaProxy.port = String(registryProxy.port);
    const pipeline = await testPipeline(scope, {
      stages: [],
      env: {
        LOG_LEVEL: 'info',
        KAFKA_BROKERS: broker.brokers,
        SCHEMA_REGISTRY_URL: viaProxy.toString().replace(/\/$/, ''),
        RETRY_MAX_DELAY_MS: '300',
      },
    });
    await broker.stop();
    await registryProxy.stop();
    const { child, exited, lines, output } = startStageProcess('processor', pipeline.env);
    const waits = (name: string) => lines(`waiting for ${name}`);
    try {
      await eventually(() => waits('Kafka') >= 2, { timeoutMs: ceiling(60_000) });
      expect(child.exitCode).toBeNull();
      await broker.start();
      await eventually(() => waits('the schema registry') >= 2, { timeoutMs: ceiling(60_000) });
      expect(child.exitCode).toBeNull();
      await registryProxy.start();
      const kafka = createKafka({ brokers: [broker.brokers], clientId: 'start-up-outages' }, testLogger);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitForGroupMembers(admin, topologyOf(pipeline.config).processor.groupId, 1);
      } finally {
        await admin.disconnect();
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('"msg":"service stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await pipeline.close();
      await registryProxy.stop();
      await broker.close();
    }
  });
});
