// `npm run infra:up | infra:down | infra:status | infra:fetch | infra:images`: the local stack of real servers,
// as local processes (Java and Maven) or, with STACK=containers, as containers (Docker; infra/containers/).
import { envFile } from './paths.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
import { ensureEngine } from './containers/engine.ts';
import { buildLocalImages } from './containers/local-images.ts';
import { containersDown, containersStackInfo, containersStatus, containersUp } from './containers/stack.ts';
import { fetchStack, stackDown, stackStatus, stackUp } from './stack.ts';
import { choosePort, waitUntil } from './processes.ts';
import { securedKafkaEnv, securedKafkaReady, startSecuredKafka } from './secured-kafka.ts';

silenceKafkajsNegativeTimeoutWarning();

const log = (line: string) => console.log(`[infra] ${line}`);
const command = process.argv[2];
const stack = process.env['STACK'] ?? 'processes';

try {
  if (stack !== 'processes' && stack !== 'containers') {
    throw new Error(`STACK must be processes or containers, not ${stack}`);
  }
  switch (command) {
    case 'up': {
      const startedAt = performance.now();
      const { started, env } = stack === 'containers' ? await containersUp(log) : await stackUp(log);
      log(started.length ? `started ${started.join(', ')}` : 'reused the running stack');
      for (const [name, value] of Object.entries(env)) log(`${name}=${value}`);
      log(`endpoints written to ${envFile} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
      break;
    }
    case 'down':
      // Either kind may be up; stopping what is not running does nothing.
      await containersDown(log);
      await stackDown(log);
      log('stopped');
      break;
    case 'status': {
      const containers = await containersStatus();
      if (containers.length) log('containers stack:');
      for (const row of containers) {
        log(`${row.name.padEnd(9)} ${row.running ? 'running' : 'stopped'} ${row.endpoint ?? ''}`);
      }
      log('process stack:');
      for (const row of await stackStatus()) {
        log(
          `${row.name.padEnd(9)} ${row.running ? 'running' : 'stopped'} ${row.endpoint ?? ''} ${row.rssMiB ? `rss ${row.rssMiB} MiB` : ''}`,
        );
      }
      break;
    }
    case 'fetch': {
      const downloaded = await fetchStack(log);
      log(downloaded.length ? `downloaded ${downloaded.join(', ')}` : 'everything was already cached');
      break;
    }
    case 'images': {
      // The images the containers stack runs where no image registry is reachable (cached: a second run builds
      // nothing). Starts a Docker engine of its own if none answers, and leaves it running for the tests.
      const startedAt = performance.now();
      const engine = await ensureEngine({ start: true, log });
      if (!engine) throw new Error('no Docker engine');
      const images = await buildLocalImages(engine.host, log);
      for (const [name, tag] of Object.entries(images)) log(`${name.padEnd(8)} ${tag}`);
      log(`images ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
      break;
    }
    case 'secured-kafka': {
      // A broker that requires TLS with SASL/SCRAM, beside the stack, until Ctrl-C: for trying the service's
      // security settings (docs/runbook.md) by hand. On STACK=containers, a container of the stack's image.
      const containers = stack === 'containers' ? (await containersStackInfo()).kafka : undefined;
      const taken = new Set<number>();
      const ports = { port: await choosePort(29092, taken), controllerPort: await choosePort(29093, taken) };
      const broker = await startSecuredKafka(ports, containers ? { containers } : {});
      try {
        log(`starting a broker that requires TLS and SASL/SCRAM-SHA-512 on ${broker.brokers}`);
        await waitUntil(() => securedKafkaReady(broker), { timeoutMs: 120_000, what: 'the secured broker' });
        log('ready; the settings that use it (Ctrl-C stops it):');
        for (const [name, value] of Object.entries(securedKafkaEnv(broker))) log(`${name}=${value}`);
        // Signal listeners alone do not keep a process alive: a timer does, until the signal.
        const keepAlive = setInterval(() => undefined, 60_000);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        clearInterval(keepAlive);
      } finally {
        log('stopping the secured broker');
        await broker.stop();
      }
      break;
    }
    default:
      console.error(
        'usage: [STACK=processes|containers] node infra/cli.ts up | down | status | fetch | images | secured-kafka',
      );
      process.exitCode = 2;
  }
} catch (error) {
  console.error(`[infra] ${command ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
