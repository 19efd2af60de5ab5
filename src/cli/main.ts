// The operator's tool: `allocations <command> [options]`, `allocations <command> --help` for each command.
import {
  awsSettingsFrom,
  createCloudWatchClient,
  createSnsClient,
  createSqsClient,
} from '../connectors/aws-clients.ts';
import { ConfigError } from '../config/config.ts';
import { isUnknownTopic } from '../kafka/kafka-errors.ts';
import { registrySecurityOptions } from '../kafka/security.ts';
import { schemaRegistrar } from '../kafka/avro-schemas.ts';
import { provision, provisionHelp } from './commands/provision.ts';
import { openKafkaOperations, type KafkaOperations } from '../kafka/operations.ts';
import { createLogger } from '../observability/logger.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../observability/known-warnings.ts';
import { loadCliConfig, UsageError, type CliConfig } from './cli-config.ts';
import { deadLettersCommand, deadLettersHelp } from './commands/dead-letters.ts';
import { lag, lagHelp } from './commands/lag.ts';
import { replay, replayHelp } from './commands/replay.ts';
import { send, sendHelp } from './commands/send.ts';
import { status, statusHelp } from './commands/status.ts';
import { messageOf } from '../domain/errors.ts';
import { topologyOf } from '../topology.ts';
import { jsonOutput, textOutput } from './output.ts';

const help = `usage: allocations <command> [options]

commands:
  replay         move a stage's consumer group to the earliest offset, a time, or given offsets
  dead-letters   list, show and redrive dead letters (topic, or the SQS dead-letter queue)
  status         the pipeline on one screen: queues, lag and oldest unsettled record per stage, group
                 members, dead letters (--watch to follow it)
  lag            committed offset, end offset and lag per stage and partition
  send           publish a domain event to the SNS topic
  provision      create the topics and register the schemas, for a service without those rights

Run \`allocations <command> --help\` for a command's options. Settings come from the environment (the
README's configuration table); \`npm run allocations\` in a checkout adds the local stack's endpoints.`;

const helps: Record<string, string> = {
  replay: replayHelp,
  'dead-letters': deadLettersHelp,
  lag: lagHelp,
  status: statusHelp,
  send: sendHelp,
  provision: provisionHelp,
};

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  say: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  silenceKafkajsNegativeTimeoutWarning();
  // --json, anywhere on the line and for every command: one JSON document on stdout for scripts, and errors as
  // one JSON line on stderr.
  const json = argv.includes('--json');
  const [command, ...args] = argv.filter((arg) => arg !== '--json');
  const out = json ? jsonOutput(say) : textOutput(say);
  const fail = (line: string) =>
    console.error(json ? JSON.stringify({ error: line, command: command ?? null }) : line);
  if (!command || command === '--help' || command === 'help') {
    say(help);
    return command ? 0 : 2;
  }
  if (!(command in helps)) {
    fail(json ? `unknown command "${command}"` : `allocations: unknown command "${command}"\n\n${help}`);
    return 2;
  }
  if (args.includes('--help')) {
    say(helps[command] ?? help);
    return 0;
  }
  let config: CliConfig;
  try {
    config = loadCliConfig(env);
  } catch (error) {
    fail(`allocations: ${messageOf(error)}`);
    return 1;
  }
  // Connected on first use, so that a mistake in the command line is reported without waiting for Kafka.
  let connected: Promise<KafkaOperations> | undefined;
  const kafka = () =>
    (connected ??= openKafkaOperations(
      { brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-cli`, security: config },
      createLogger({ level: 'error' }),
    ));
  const aws = () => awsSettingsFrom(config);
  try {
    switch (command) {
      case 'replay':
        await replay(args, config, kafka, out);
        break;
      case 'lag':
        await lag(args, config, kafka, out);
        break;
      case 'status': {
        // Each look is a document of its own (--watch: one a line in JSON; the screen redrawn on a terminal).
        const watching = args.includes('--watch');
        const stop = new AbortController();
        let cloudWatch: ReturnType<typeof createCloudWatchClient> | undefined;
        const interrupt = () => stop.abort();
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          await status(
            args,
            config,
            {
              kafka,
              sqs: () => createSqsClient(aws()),
              // Asked only where it answers: AWS itself, or an endpoint named for it.
              cloudWatch: () =>
                config.AWS_ENDPOINT_URL_CLOUDWATCH || !config.AWS_ENDPOINT_URL
                  ? (cloudWatch ??= createCloudWatchClient(aws(), config.AWS_ENDPOINT_URL_CLOUDWATCH))
                  : undefined,
            },
            () => {
              if (json) return jsonOutput(say);
              if (watching && process.stdout.isTTY) say('\x1b[2J\x1b[H');
              const text = textOutput(say);
              if (watching) text.say(`allocations status at ${new Date().toISOString()}`);
              return text;
            },
            stop.signal,
          );
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
        return 0;
      }
      case 'dead-letters':
        await deadLettersCommand(args, config, { kafka, sqs: () => createSqsClient(aws()) }, out);
        break;
      case 'provision':
        await provision(
          args,
          config,
          {
            kafka,
            registry: () => schemaRegistrar(config.SCHEMA_REGISTRY_URL, registrySecurityOptions(config)),
          },
          out,
        );
        break;
      case 'send':
        await send(args, config, () => createSnsClient(aws()), out);
        break;
    }
    out.end();
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      [
        'ERR_PARSE_ARGS_UNKNOWN_OPTION',
        'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
        'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
      ].includes((error as { code?: string }).code ?? '')
    ) {
      fail(`allocations ${command}: ${messageOf(error)} (see \`allocations ${command} --help\`)`);
      return 2;
    }
    if (isUnknownTopic(error)) {
      // Before the service has ever run its topics do not exist, and kafkajs says so in the protocol's words.
      fail(
        `allocations ${command}: a topic it reads does not exist yet (${topologyOf(config).topics.join(', ')}): ` +
          'has the service run? (or run `allocations provision`)',
      );
      return 1;
    }
    fail(`allocations ${command}: ${error instanceof ConfigError ? error.message : messageOf(error)}`);
    return 1;
  } finally {
    if (connected) await (await connected.catch(() => undefined))?.close().catch(() => undefined);
  }
}
