import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { kafkaReady, startKafka, type KafkaPlace } from '../../infra/kafka.ts';
import { runtimeDir } from '../../infra/paths.ts';
import { choosePort, stopProcessGroup, waitUntil } from '../../infra/processes.ts';
import { ceiling } from './patience.ts';

/**
 * A Kafka broker of one test's own, beside the stack's, so that the test can stop and start it (an outage)
 * without disturbing any other. It keeps its data across a stop, as a real broker does.
 */
export async function privateBroker() {
  await mkdir(runtimeDir, { recursive: true });
  const dir = await mkdtemp(path.join(runtimeDir, 'private-broker-'));
  const place: KafkaPlace = { dir, logFile: path.join(dir, 'kafka.log') };
  const taken = new Set<number>();
  const ports = { port: await choosePort(39092, taken), controllerPort: await choosePort(39093, taken) };
  const ready = () =>
    waitUntil(() => kafkaReady(ports.port), {
      timeoutMs: ceiling(60_000),
      what: `the private broker on port ${ports.port} (log: ${place.logFile})`,
    });
  let pid = await startKafka(ports, { place });
  await ready();
  return {
    brokers: `127.0.0.1:${ports.port}`,
    /** Stops the broker as an outage would: its clients see connections refused until it is started again. */
    async stop() {
      await stopProcessGroup(pid);
    },
    async start() {
      pid = await startKafka(ports, { place, keepData: true });
      await ready();
    },
    async close() {
      await stopProcessGroup(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
