import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { docker } from '../../infra/containers/docker.ts';
import { containersStackInfo, removeContainer, startKafkaContainer } from '../../infra/containers/stack.ts';
import { kafkaReady, startKafka, type KafkaPlace } from '../../infra/kafka.ts';
import { runtimeDir } from '../../infra/paths.ts';
import { choosePort, stopProcessGroup, waitUntil } from '../../infra/processes.ts';
import { ceiling } from './patience.ts';
import { stackEnv } from './stack.ts';

export interface PrivateBroker {
  readonly brokers: string;
  /** Stops the broker as an outage would: its clients see connections refused until it is started again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Kafka broker of one test's own, beside the stack's, so that the test can stop and start it (an outage)
 * without disturbing any other. It keeps its data across a stop, as a real broker does. It is of the same kind
 * as the stack: a container on the containers stack, a process on the process stack.
 */
export async function privateBroker(): Promise<PrivateBroker> {
  const taken = new Set<number>();
  // Below the kernel's ephemeral range (32768–60999 here): while the broker is stopped, its clients' reconnects
  // take ephemeral ports, and one that took the broker's own port (a TCP self-connect to a port with no
  // listener) would keep the restarted broker from binding it. That failed a containers run once, at 39092.
  // (21092: clear of both stacks, 9092 and 19092, and of the secured broker, 29092.)
  const ports = { port: await choosePort(21092, taken), controllerPort: await choosePort(21093, taken) };
  const ready = (where: string) =>
    waitUntil(() => kafkaReady(ports.port), {
      timeoutMs: ceiling(60_000),
      what: `the private broker on port ${ports.port} (${where})`,
    });
  const brokers = `127.0.0.1:${ports.port}`;

  if ((await stackEnv())['STACK'] === 'containers') {
    const { engine, image, local } = (await containersStackInfo()).kafka;
    const id = await startKafkaContainer(engine, image, { ...ports, local });
    const where = `container ${id.slice(0, 12)}`;
    await ready(where);
    return {
      brokers,
      async stop() {
        await docker(engine.host, ['stop', '--time', '15', id]);
      },
      async start() {
        await docker(engine.host, ['start', id]);
        await ready(where);
      },
      async close() {
        await removeContainer(engine.host, id);
      },
    };
  }

  await mkdir(runtimeDir, { recursive: true });
  const dir = await mkdtemp(path.join(runtimeDir, 'private-broker-'));
  const place: KafkaPlace = { dir, logFile: path.join(dir, 'kafka.log') };
  let pid = await startKafka(ports, { place });
  await ready(`log: ${place.logFile}`);
  return {
    brokers,
    async stop() {
      await stopProcessGroup(pid);
    },
    async start() {
      pid = await startKafka(ports, { place, keepData: true });
      await ready(`log: ${place.logFile}`);
    },
    async close() {
      await stopProcessGroup(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
