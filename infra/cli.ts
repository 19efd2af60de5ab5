// `npm run infra:up | infra:down | infra:status`: the local stack of real servers, without Docker.
import { envFile } from './paths.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
import { fetchStack, stackDown, stackStatus, stackUp } from './stack.ts';

silenceKafkajsNegativeTimeoutWarning();

const log = (line: string) => console.log(`[infra] ${line}`);
const command = process.argv[2];

try {
  switch (command) {
    case 'up': {
      const startedAt = performance.now();
      const { started, env } = await stackUp(log);
      log(started.length ? `started ${started.join(', ')}` : 'reused the running stack');
      for (const [name, value] of Object.entries(env)) log(`${name}=${value}`);
      log(`endpoints written to ${envFile} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
      break;
    }
    case 'down':
      await stackDown(log);
      log('stopped');
      break;
    case 'status':
      for (const row of await stackStatus()) {
        log(
          `${row.name.padEnd(9)} ${row.running ? 'running' : 'stopped'} ${row.endpoint ?? ''} ${row.rssMiB ? `rss ${row.rssMiB} MiB` : ''}`,
        );
      }
      break;
    case 'fetch': {
      const downloaded = await fetchStack();
      log(downloaded.length ? `downloaded ${downloaded.join(', ')}` : 'everything was already cached');
      break;
    }
    default:
      console.error('usage: node infra/cli.ts up | down | status | fetch');
      process.exitCode = 2;
  }
} catch (error) {
  console.error(`[infra] ${command ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
