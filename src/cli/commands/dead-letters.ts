import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
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
import {
  readRedriveLog,
  redriveEntry,
  redriveLogSpec,
  redriveLogTopic,
  type RedriveEntry,
} from '../../kafka/redrive-log.ts';
import { jsonOptionHelp, progress, type Output } from '../output.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import type { TopicRecord } from '../../kafka/read-topic.ts';

export const deadLettersHelp = `usage: allocations dead-letters list [--stage S] [--code C] [--queue]
       allocations dead-letters show OFFSET
       allocations dead-letters redrive (OFFSET... | --all) [--stage S] [--code C] [--again] [--dry-run]
       allocations dead-letters redrive --queue (MESSAGE_ID... | --all) [--dry-run]

The dead-letter topic holds what a stage could not process, with why (error code and message), where it came
from (stage, topic, partition, offset) and when. Fix the cause (for example, add the staff member to the team
in Delius), then redrive: each chosen record goes back, unchanged, to the topic it came from.

  list      one line per dead letter and its state (pending, or redriven when and by whom); --stage/--code
            filter; --queue lists the SQS dead-letter queue instead
  show      one dead letter in full: headers and value (Avro decoded)
  redrive   send the chosen dead letters back to their source, once: each is recorded in the redrive log
            (a compacted topic beside the dead-letter topic), and one already redriven is skipped unless
            --again; --queue moves SQS dead letters back to the queue

${jsonOptionHelp}`;

interface DeadLetter {
  readonly offset: string;
  readonly partition: number;
  readonly record: TopicRecord;
  readonly stage: string;
  readonly code: string;
  readonly message: string;
}

function stateOf(entry: RedriveEntry | undefined): string {
  return entry ? `redriven ${entry.redrivenAt} by ${entry.by}` : 'pending';
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

/** How long the messages read stay hidden from others while the tool works on them. */
const queueHoldSeconds = 120;

/**
 * Every message of the SQS dead-letter queue, to its end, with progress: each is held (invisible) while the tool
 * works, so that a receive returns only messages not seen yet; `release` makes those it did not move visible again.
 */
async function queueDeadLetters(sqs: SQSClient, queueUrl: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const total = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  const shown = progress('reading the SQS dead-letter queue');
  const seen = new Map<string, Message>();
  // Two empty long polls in a row: the queue has nothing more (one may miss messages on a busy queue).
  for (let empty = 0; empty < 2;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: queueHoldSeconds,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
    for (const message of fresh) seen.set(message.MessageId ?? '', message);
    empty = fresh.length === 0 ? empty + 1 : 0;
    shown.update(seen.size, Math.max(total, seen.size));
  }
  shown.done();
  const messages = [...seen.values()];
  return {
    messages,
    /** Makes these messages visible again at once (those not moved back). */
    async release(kept: readonly Message[]) {
      for (let start = 0; start < kept.length; start += 10) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: kept.slice(start, start + 10).map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    },
  };
}

export async function deadLettersCommand(
  args: string[],
  config: CliConfig,
  clients: { kafka: () => Promise<KafkaOperations>; sqs: () => SQSClient },
  out: Output,
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
      again: { type: 'boolean', default: false },
    },
  });
  // The stages that dead-letter to the topic: a filter naming another would silently find nothing.
  if (values.stage !== undefined && values.stage !== 'processor' && values.stage !== 'sink')
    throw new UsageError(
      `--stage must be processor or sink (the stages that dead-letter), not ${values.stage}`,
    );

  if (values.queue) {
    const queueUrl = required(config, 'ALLOCATIONS_DLQ_URL');
    if (action !== 'list' && action !== 'redrive')
      throw new UsageError(`dead-letters ${action ?? ''} does not take --queue`);
    if (action === 'redrive' && !values.all && positionals.length === 0)
      throw new UsageError('name the message ids to redrive, or --all');
    const sqs = clients.sqs();
    const read = await queueDeadLetters(sqs, queueUrl);
    const { messages } = read;
    if (action === 'list') {
      await read.release(messages);
      out.table(
        'messages',
        ['message id', 'receives', 'body'],
        messages.map((message) => [
          message.MessageId,
          Number(message.Attributes?.ApproximateReceiveCount ?? 0),
          (message.Body ?? '').slice(0, 80),
        ]),
      );
      out.say(`${messages.length} message(s) on the SQS dead-letter queue`);
      return;
    }
    const chosen = values.all
      ? messages
      : messages.filter((message) => positionals.includes(message.MessageId ?? ''));
    const target = required(config, 'ALLOCATIONS_QUEUE_URL');
    try {
      for (const message of chosen) {
        if (values['dry-run']) {
          out.say(`would move ${message.MessageId ?? ''} back to ${target}`);
          continue;
        }
        await sqs.send(new SendMessageCommand({ QueueUrl: target, MessageBody: message.Body ?? '' }));
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        out.say(`moved ${message.MessageId ?? ''} back to the allocations queue`);
      }
    } finally {
      const moved = values['dry-run'] ? new Set<Message>() : new Set(chosen);
      await read.release(messages.filter((message) => !moved.has(message)));
    }
    const missing = positionals.filter((id) => !messages.some((message) => message.MessageId === id));
    if (missing.length) throw new Error(`no message ${missing.join(', ')} on the SQS dead-letter queue`);
    return;
  }

  switch (action) {
    case 'list': {
      const entries = await deadLetters(config, clients.kafka, values);
      const log = await readRedriveLog(await clients.kafka(), config.DEAD_LETTER_TOPIC);
      out.table(
        'deadLetters',
        ['offset', 'failed at', 'stage', 'code', 'key', 'from', 'state', 'reason'],
        entries.map((entry) => [
          entry.offset,
          entry.record.headers[deadLetterHeader.failedAt],
          entry.stage,
          entry.code,
          entry.record.key,
          `${entry.record.headers[deadLetterHeader.topic] ?? ''} ${entry.record.headers[deadLetterHeader.partition] ?? ''}:${entry.record.headers[deadLetterHeader.offset] ?? ''}`,
          stateOf(log.get(entry.offset)),
          entry.message,
        ]),
      );
      const redriven = entries.filter((entry) => log.has(entry.offset)).length;
      out.say(`${entries.length} dead letter(s): ${entries.length - redriven} pending, ${redriven} redriven`);
      return;
    }
    case 'show': {
      const wanted = positionals[0];
      if (!wanted) throw new UsageError('name the dead letter to show, as PARTITION:OFFSET (from list)');
      const entry = (await deadLetters(config, clients.kafka, {})).find(
        (candidate) => candidate.offset === wanted,
      );
      if (!entry) throw new Error(`no dead letter at ${wanted} on ${config.DEAD_LETTER_TOPIC}`);
      const log = await readRedriveLog(await clients.kafka(), config.DEAD_LETTER_TOPIC);
      const value = entry.record.value;
      const decoded: unknown =
        value && value[0] === 0
          ? await createSchemaRegistry(config.SCHEMA_REGISTRY_URL, registrySecurityOptions(config))
              .decode(value)
              .then((decodedValue: unknown) => decodedValue)
              .catch(() => value.toString('base64'))
          : value?.toString();
      out.value('deadLetter', {
        offset: entry.offset,
        key: entry.record.key,
        headers: entry.record.headers,
        state: stateOf(log.get(entry.offset)),
        value: decoded,
      });
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
      const log = await readRedriveLog(operations, config.DEAD_LETTER_TOPIC);
      // A letter already redriven is not sent again unless asked (--again): a second `redrive --all` after a
      // partial failure, or by a second operator, sends only what is still pending.
      const already = entries.filter((entry) => log.has(entry.offset));
      // A letter written without the whole record (too large for the dead-letter topic) holds an excerpt, which
      // must never go back as if it were the record: the original is replayed from where it sits.
      const cut = entries.filter((entry) => entry.record.headers[deadLetterHeader.truncated] !== undefined);
      // A letter goes back only to an input of this service's stages: its headers are data, and anyone who can
      // write to the dead-letter topic could otherwise have the tool write to any topic it may write.
      const inputs = new Set([config.DOMAIN_EVENTS_TOPIC, config.ALLOCATIONS_TOPIC]);
      const elsewhere = entries.filter(
        (entry) => !cut.includes(entry) && !inputs.has(entry.record.headers[deadLetterHeader.topic] ?? ''),
      );
      const chosen = (values.again ? entries : entries.filter((entry) => !log.has(entry.offset))).filter(
        (entry) => !cut.includes(entry) && !elsewhere.includes(entry),
      );
      for (const entry of elsewhere)
        out.say(
          `skipping ${entry.offset}: it names ${JSON.stringify(entry.record.headers[deadLetterHeader.topic] ?? '')}` +
            ` as its topic, which is not an input of this service (${[...inputs].join(', ')})`,
        );
      if (already.length && !values.again)
        out.say(
          `skipping ${already.length} already redriven (${already.map((entry) => entry.offset).join(', ')}); --again sends them anyway`,
        );
      for (const entry of cut)
        out.say(
          `skipping ${entry.offset}, written without the whole record: replay it from ` +
            `${entry.record.headers[deadLetterHeader.topic] ?? '?'} partition ` +
            `${entry.record.headers[deadLetterHeader.partition] ?? '?'} offset ${entry.record.headers[deadLetterHeader.offset] ?? '?'}`,
        );
      if (!values['dry-run'] && chosen.length) {
        await operations.ensureTopics([redriveLogSpec(config)]);
      }
      for (const entry of chosen) {
        const topic = entry.record.headers[deadLetterHeader.topic] ?? '';
        if (values['dry-run']) {
          out.say(`would send ${entry.offset} (${entry.code}) back to ${topic}`);
          continue;
        }
        const headers = Object.fromEntries(
          Object.entries(entry.record.headers).filter(([name]) => !name.startsWith('dlt-')),
        );
        const redriven = redriveEntry(topic);
        await operations.send(topic, [
          {
            key: entry.record.key,
            value: entry.record.value,
            headers: {
              ...headers,
              'dlt-redriven-from': entry.offset,
              'dlt-redriven-at': redriven.redrivenAt,
            },
          },
        ]);
        // Logged after the send: a tool killed in between leaves the letter pending, and sending it again is
        // harmless (an allocation already in Delius is a duplicate); the other way round could lose it.
        await operations.send(redriveLogTopic(config.DEAD_LETTER_TOPIC), [
          { key: entry.offset, value: Buffer.from(JSON.stringify(redriven)), headers: {} },
        ]);
        out.say(`sent ${entry.offset} (${entry.code}) back to ${topic}`);
      }
      return;
    }
    default:
      throw new UsageError(`dead-letters needs list, show or redrive (got ${action ?? 'nothing'})`);
  }
}
