// The entry point: `node src/main.ts [--stage connector|processor|sink|all]` (default all, in one process).
import { parseArgs } from 'node:util';
import { startService } from './app.ts';
import { ConfigError, loadConfig, stageNames, type StageName } from './config/config.ts';
import { createLogger } from './observability/logger.ts';
import { silenceKafkajsNegativeTimeoutWarning } from './observability/known-warnings.ts';
import { messageOf } from './domain/errors.ts';

silenceKafkajsNegativeTimeoutWarning();

function chosenStages(values: string[] | undefined): StageName[] {
  const requested = (values ?? ['all']).flatMap((value) => value.split(','));
  if (requested.includes('all')) return [...stageNames];
  for (const stage of requested) {
    if (!(stageNames as readonly string[]).includes(stage))
      throw new ConfigError(`--stage must be one of ${stageNames.join(', ')} or all (got ${stage})`);
  }
  return requested as StageName[];
}

const usage = `usage: node dist/main.js [--stage connector|processor|sink|all]...

Runs the chosen stages in one process (default: all). Settings come from the environment: see the README's
configuration table. Stops on SIGTERM or SIGINT.`;

try {
  const { values } = parseArgs({
    options: { stage: { type: 'string', multiple: true }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const stages = chosenStages(values.stage);
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });

  // Installed before start-up, so that a SIGTERM while waiting for a dependency stops cleanly too.
  const starting = new AbortController();
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal, started: service !== undefined }, 'stopping');
    if (!service) {
      starting.abort();
      return;
    }
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ error: messageOf(error) }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    service = await startService(config, stages, logger, { signal: starting.signal });
  } catch (error) {
    if (starting.signal.aborted) {
      logger.info('stopped before it had started');
      process.exit(0);
    }
    throw error;
  }
  logger.info({ stages, pid: process.pid, httpPort: service.httpPort }, 'started');
} catch (error) {
  // A mistake in the command line or the settings is one clear line (exit 2); anything else says what failed.
  const usageMistake = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false;
  console.error(
    error instanceof ConfigError || usageMistake
      ? `${messageOf(error)}${usageMistake ? `\n\n${usage}` : ''}`
      : `failed to start: ${messageOf(error)}${error instanceof Error && error.cause ? ` (${messageOf(error.cause)})` : ''}`,
  );
  process.exit(usageMistake ? 2 : 1);
}
