// `npm run dev [-- --send-examples] [-- --database DIR]`: the whole service on the local default stack.
// Starts the stack (Kafka, Apicurio, fauxqs; downloads cached), an embedded Delius (PostgreSQL in PGlite) with
// reference data and sample people, the local Workload API and HMPPS Auth, and the pipeline; prints each
// allocation's outcome.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startService } from '../src/app.ts';
import { awsSettingsFrom, createSnsClient } from '../src/connectors/aws-clients.ts';
import { ConfigError, loadConfig, stageNames } from '../src/config/config.ts';
import { createSequelize } from '../src/db/sequelize.ts';
import { startEmbeddedDelius } from './embedded-delius.ts';
import { prepareLocalDelius, samplePeople } from './local-delius.ts';
import type { StageOutcome } from '../src/kafka/stage.ts';
import { messageOf } from '../src/domain/errors.ts';
import { startWorkloadApi } from './workload-api.ts';
import { createLogger } from '../src/observability/logger.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
import { exampleMessages, examplesDir, publishExamples } from './examples.ts';
import { rootDir } from './paths.ts';
import { stackUp } from './stack.ts';
import { containersUp } from './containers/stack.ts';
import { chooseStack } from './containers/choose-stack.ts';

silenceKafkajsNegativeTimeoutWarning();
const { values } = parseArgs({
  options: {
    'send-examples': { type: 'boolean', default: false },
    database: { type: 'string', default: path.join(rootDir, '.infra', 'delius') },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run dev [-- --send-examples] [-- --database DIR]

  --send-examples   publish every example allocation event of examples/ through SNS
  --database DIR    the embedded Delius's data folder (default .infra/delius); created with sample people if new

Stop with Ctrl-C. Environment variables override any setting (see the README's configuration table).`);
  process.exit(0);
}

const say = (line: string) => console.log(line);
const icons: Record<StageOutcome['status'], string> = {
  applied: '✔',
  duplicate: '=',
  ignored: '·',
  retry: '↻',
  'dead-letter': '✘',
};

/** How long since `since` (performance.now()), as the first run's lines say it. */
function took(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function main() {
  const runStarted = performance.now();
  // As npm test chooses: STACK if set, else containers where a Docker engine answers, else processes (Java 21 and
  // Maven); where neither can run, one message says what to install for each.
  const containers = chooseStack() === 'containers';
  const named = process.env['STACK'] ? `STACK=${process.env['STACK']}` : undefined;
  say(
    containers
      ? `▶ starting the local stack as containers (${named ?? 'a Docker engine answers'}; a first run on a machine without an image registry builds images)`
      : `▶ starting the local stack as processes (${named ?? 'no Docker engine answers'}; a first run fetches Kafka and Apicurio with Maven into .cache/)`,
  );
  let since = performance.now();
  const { env: stackEnv, started } = await (containers
    ? containersUp((line) => say(`  ${line}`))
    : stackUp((line) => say(`  ${line}`), { postgres: 'ifPresent' }));
  say(`  ${started.length ? `started ${started.join(', ')}` : 'reusing the running stack'} (${took(since)})`);

  const databaseDir = path.resolve(values.database);
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn', pretty: true });
  since = performance.now();
  const delius = await startEmbeddedDelius(databaseDir);
  const sequelize = createSequelize({ url: delius.url, poolMax: 1 }, logger);
  const prepared = await prepareLocalDelius(sequelize);
  await sequelize.close();
  const where = path.relative(process.cwd(), databaseDir);
  say(
    prepared === 'created'
      ? `▶ created the local Delius in ${where} (reference data, people ${samplePeople.join(', ')}; ${took(since)})`
      : `▶ using the local Delius in ${where} (${took(since)})`,
  );
  say(`  served as ${delius.url} (PostgreSQL in PGlite), for as long as this runs`);

  const api = await startWorkloadApi();
  const served = await api.registerExamples(examplesDir);
  say(`▶ local Workload API and HMPPS Auth at ${api.url} (${served} example details)`);

  const config = loadConfig({
    ...stackEnv,
    LOG_PRETTY: 'true',
    LOG_LEVEL: 'warn',
    DATABASE_URL: delius.url,
    // One connection: the embedded server interleaves the statements of several (infra/embedded-delius.ts).
    DATABASE_POOL_MAX: '1',
    HMPPS_AUTH_URL: api.url,
    HMPPS_AUTH_CLIENT_ID: api.clientId,
    HMPPS_AUTH_CLIENT_SECRET: api.clientSecret,
    DETAIL_URL_ALLOW_LIST: api.url,
    // A short long-poll: Ctrl-C waits for the receive in flight (abandoning it could hide what it took for the
    // visibility timeout), so locally that wait is kept to a second.
    SQS_WAIT_TIME_SECONDS: '1',
    // A developer's machine: the operations endpoints for this machine only.
    HTTP_HOST: '127.0.0.1',
    ...process.env,
  });

  since = performance.now();
  const tally = new Map<string, number>();
  const finals = new Map<string, StageOutcome>();
  const service = await startService(config, stageNames, logger, {
    onStageOutcome(stage, outcome, message) {
      if (stage === 'processor' && outcome.status !== 'dead-letter') return;
      const messageId =
        message.headers['message-id'] ?? `${message.topic}/${message.partition}/${message.offset}`;
      finals.set(messageId, outcome);
      tally.set(outcome.status, (tally.get(outcome.status) ?? 0) + 1);
      const { kind, crn, staffCode, teamCode } = outcome.subject;
      const who = staffCode ? `${staffCode}/${teamCode ?? ''}` : '';
      const why =
        outcome.status === 'dead-letter'
          ? `${outcome.error.code}: ${outcome.error.message}`
          : outcome.status === 'ignored'
            ? outcome.reason
            : '';
      say(
        `  ${icons[outcome.status]} ${outcome.status.padEnd(11)} ${(kind ?? '').padEnd(17)} ${(crn ?? '').padEnd(8)} ${who.padEnd(15)} ${why}`,
      );
    },
  });
  say(
    `▶ pipeline running: ${stageNames.join(' → ')}; health, metrics and info on http://127.0.0.1:${service.httpPort} (${took(since)})`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    say(`▶ ${signal}: stopping (the local stack keeps running; \`npm run infra:down\` stops it)`);
    const stoppingSince = performance.now();
    void service
      .stop((step) => say(`  waiting for ${step}`))
      .then(() => api.close())
      .then(() => delius.close())
      .then(() => say(`▶ stopped in ${((performance.now() - stoppingSince) / 1000).toFixed(1)} s`))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`stopped with an error: ${messageOf(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  if (values['send-examples']) {
    const sns = createSnsClient(awsSettingsFrom(config));
    const topicArn = process.env['DOMAIN_EVENTS_TOPIC_ARN'] ?? stackEnv['DOMAIN_EVENTS_TOPIC_ARN'];
    if (!topicArn) throw new Error('the stack named no DOMAIN_EVENTS_TOPIC_ARN to publish the examples to');
    say(`▶ publishing ${exampleMessages.length} example allocation events to ${topicArn}`);
    say(
      `  ${'outcome'.padEnd(13)} ${'kind'.padEnd(17)} ${'person'.padEnd(8)} ${'staff/team'.padEnd(15)} reason`,
    );
    since = performance.now();
    const sent = await publishExamples(sns, topicArn, api.url);
    while (!sent.every((id) => finals.has(id))) await new Promise((resolve) => setTimeout(resolve, 50));
    const count = (status: string) => sent.filter((id) => finals.get(id)?.status === status).length;
    say(
      `▶ summary: ${sent.length} allocations: ${count('applied')} applied, ${count('duplicate')} duplicate, ${count('ignored')} ignored, ${count('dead-letter')} dead-lettered`,
    );
    say(`  ${took(since)} from publishing, ${took(runStarted)} since npm run dev began`);
  }
  say('▶ waiting for allocations (try `npm run allocations -- send --help`); Ctrl-C to stop');
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `dev failed: ${(error as Error).stack ?? String(error)}`,
  );
  process.exit(1);
});
