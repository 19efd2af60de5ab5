import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { deadLetterHeader } from '../../kafka/dead-letters.ts';
import { createSchemaRegistry } from '../../kafka/avro-schemas.ts';
import { registrySecurityOptions } from '../../kafka/security.ts';
import { required, UsageError, type CliConfig } from '../cli-config.ts';
import { progress, table } from '../output.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import type { TopicRecord } from '../../kafka/read-topic.ts';

export const deadLettersHelp = `usage: allocations dead-letters list [--stage S] [--code C] [--queue]
       allocations dead-letters show OFFSET
       allocations dead-letters redrive (OFFSET... | --all) [--stage S] [--code C] [--dry-run]
       allocations dead-letters redrive --queue (MESSAGE_ID... | --all) [--dry-run]

The dead-letter topic holds what a stage could not process, with why (error code and message), where it came
from (stage, topic, partition, offset) and when. Fix the cause (for example, add the staff member to the team
in Delius), then redrive: each chosen record goes back, unchanged, to the topic it came from.

  list      one line per dead letter; --stage/--code filter; --queue lists the SQS dead-letter queue instead
  show      one dead letter in full: headers and value (Avro decoded)
  redrive   send the chosen dead letters back to their source; --queue moves SQS dead letters back to the queue`;

interface DeadLetter {
  readonly offset: string;
  readonly partition: number;
  readonly record: TopicRecord;
  readonly stage: string;
  readonly code: string;
  readonly message: string;
}

async function deadLetters(
  config: CliConfig,
  kafka: () => Promise<KafkaOperations>,
  filters: { stage?: string | undefined; code?: string | undefined },
): Promise<DeadLetter[]> {
  const shown = progress('reading the dead-letter topic');
  const records = await (
    await kafka()
  ).readToEnd(config.DEAD_LETTER_TOPIC, (read, total) => shown.update(read, total));
  shown.done();
  return records
    .map((record) => ({
      offset: `${record.partition}:${record.offset}`,
      partition: record.partition,
      record,
      stage: record.headers[deadLetterHeader.stage] ?? '',
      code: record.headers[deadLetterHeader.code] ?? '',
      message: record.headers[deadLetterHeader.message] ?? '',
    }))
    .filter(
      (entry) =>
        (!filters.stage || entry.stage === filters.stage) && (!filters.code || entry.code === filters.code),
    );
}

async function queueDeadLetters(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  // Received with visibility 0, so that listing hides nothing from a later redrive.
  const seen = new Map<string, Message>();
  for (let round = 0; round < 10; round += 1) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
      }),
    );
    const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
    for (const message of fresh) seen.set(message.MessageId ?? '', message);
    if (fresh.length === 0) break;
  }
  return [...seen.values()];
}

export async function deadLettersCommand(
  args: string[],
  config: CliConfig,
  clients: { kafka: () => Promise<KafkaOperations>; sqs: () => SQSClient },
  say: (line: string) => void,
): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      stage: { type: 'string' },
      code: { type: 'string' },
      queue: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });

  if (values.queue) {
    const queueUrl = required(config, 'ALLOCATIONS_DLQ_URL');
    const messages = await queueDeadLetters(clients.sqs(), queueUrl);
    if (action === 'list') {
      say(
        table(
          ['message id', 'receives', 'body'],
          messages.map((message) => [
            message.MessageId,
            message.Attributes?.ApproximateReceiveCount,
            (message.Body ?? '').slice(0, 80),
          ]),
        ),
      );
      return;
    }
    if (action !== 'redrive') throw new UsageError(`dead-letters ${action ?? ''} does not take --queue`);
    const chosen = values.all
      ? messages
      : messages.filter((message) => positionals.includes(message.MessageId ?? ''));
    if (!values.all && positionals.length === 0)
      throw new UsageError('name the message ids to redrive, or --all');
    const target = required(config, 'ALLOCATIONS_QUEUE_URL');
    for (const message of chosen) {
      if (values['dry-run']) {
        say(`would move ${message.MessageId ?? ''} back to ${target}`);
        continue;
      }
      await clients.sqs().send(new SendMessageCommand({ QueueUrl: target, MessageBody: message.Body ?? '' }));
      await clients
        .sqs()
        .send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      say(`moved ${message.MessageId ?? ''} back to the allocations queue`);
    }
    return;
  }

  switch (action) {
    case 'list': {
      const entries = await deadLetters(config, clients.kafka, values);
      say(
        table(
          ['offset', 'failed at', 'stage', 'code', 'key', 'from', 'reason'],
          entries.map((entry) => [
            entry.offset,
            entry.record.headers[deadLetterHeader.failedAt],
            entry.stage,
            entry.code,
            entry.record.key,
            `${entry.record.headers[deadLetterHeader.topic] ?? ''} ${entry.record.headers[deadLetterHeader.partition] ?? ''}:${entry.record.headers[deadLetterHeader.offset] ?? ''}`,
            entry.message,
          ]),
        ),
      );
      say(`${entries.length} dead letter(s)`);
      return;
    }
    case 'show': {
      const wanted = positionals[0];
      if (!wanted) throw new UsageError('name the dead letter to show, as PARTITION:OFFSET (from list)');
      const entry = (await deadLetters(config, clients.kafka, {})).find(
        (candidate) => candidate.offset === wanted,
      );
      if (!entry) throw new Error(`no dead letter at ${wanted} on ${config.DEAD_LETTER_TOPIC}`);
      const value = entry.record.value;
      const decoded: unknown =
        value && value[0] === 0
          ? await createSchemaRegistry(config.SCHEMA_REGISTRY_URL, registrySecurityOptions(config))
              .decode(value)
              .then((decodedValue: unknown) => decodedValue)
              .catch(() => value.toString('base64'))
          : value?.toString();
      say(
        JSON.stringify(
          { offset: entry.offset, key: entry.record.key, headers: entry.record.headers, value: decoded },
          null,
          2,
        ),
      );
      return;
    }
    case 'redrive': {
      if (!values.all && positionals.length === 0)
        throw new UsageError('name the dead letters to redrive as PARTITION:OFFSET, or --all');
      const entries = (await deadLetters(config, clients.kafka, values)).filter(
        (entry) => values.all || positionals.includes(entry.offset),
      );
      const missing = positionals.filter((offset) => !entries.some((entry) => entry.offset === offset));
      if (missing.length)
        throw new Error(`no dead letter at ${missing.join(', ')} on ${config.DEAD_LETTER_TOPIC}`);
      const operations = await clients.kafka();
      for (const entry of entries) {
        const topic = entry.record.headers[deadLetterHeader.topic];
        if (!topic) throw new Error(`dead letter ${entry.offset} does not say where it came from`);
        if (values['dry-run']) {
          say(`would send ${entry.offset} (${entry.code}) back to ${topic}`);
          continue;
        }
        const headers = Object.fromEntries(
          Object.entries(entry.record.headers).filter(([name]) => !name.startsWith('dlt-')),
        );
        await operations.send(topic, [
          {
            key: entry.record.key,
            value: entry.record.value,
            headers: { ...headers, 'dlt-redriven-from': entry.offset },
          },
        ]);
        say(`sent ${entry.offset} (${entry.code}) back to ${topic}`);
      }
      return;
    }
    default:
      throw new UsageError(`dead-letters needs list, show or redrive (got ${action ?? 'nothing'})`);
  }
}
