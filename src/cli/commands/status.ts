import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { deadLetterHeader } from '../../kafka/dead-letters.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import { readRedriveLog } from '../../kafka/redrive-log.ts';
import { isWatermark } from '../../kafka/watermark.ts';
import { stageInput, UsageError, type CliConfig } from '../cli-config.ts';
import { jsonOptionHelp, type Output } from '../output.ts';

export const statusHelp = `usage: allocations status [--watch [SECONDS]] [--json]

The pipeline on one screen:
  queues        the allocations queue and its dead-letter queue: messages waiting, in flight and delayed, and
                the age of the oldest (CloudWatch's ApproximateAgeOfOldestMessage: in AWS, or where
                AWS_ENDPOINT_URL_CLOUDWATCH names an endpoint; unknown against a local SQS)
  stages        each consumer stage: its group's members, its lag, and the age of the oldest record it has
                not settled (the record at its committed offset: an allocation the order window holds, or one
                it is stuck on)
  partitions    the same per partition
  dead letters  the dead-letter topic's letters per stage: pending, and redriven

  --watch [SECONDS]  show it again every SECONDS (5), until Ctrl-C; with --json, one document a line
${jsonOptionHelp}`;

/** What `status` reads from. */
export interface StatusClients {
  readonly kafka: () => Promise<KafkaOperations>;
  readonly sqs: () => SQSClient;
  /** CloudWatch, where the queue's age can be asked: undefined against a local SQS. */
  readonly cloudWatch: () => CloudWatchClient | undefined;
}

const ageSeconds = (timestamp: string | undefined, now: number) =>
  timestamp === undefined ? null : Math.max(0, Math.round((now - Number(timestamp)) / 100) / 10);

/** The watch interval asked for: `--watch` alone is 5 s. */
export function watchIntervalOf(args: readonly string[]): { args: string[]; intervalMs: number | undefined } {
  const at = args.indexOf('--watch');
  if (at < 0) return { args: [...args], intervalMs: undefined };
  const next = args[at + 1];
  const seconds = next !== undefined && /^\d+(\.\d+)?$/.test(next) ? Number(next) : undefined;
  if (seconds !== undefined && (seconds < 1 || seconds > 3_600))
    throw new UsageError(`--watch takes 1 to 3600 seconds, not ${next}`);
  const rest = [...args.slice(0, at), ...args.slice(at + (seconds === undefined ? 1 : 2))];
  return { args: rest, intervalMs: (seconds ?? 5) * 1000 };
}

async function queueRow(
  name: string,
  queueUrl: string | undefined,
  clients: StatusClients,
): Promise<(string | number | null)[]> {
  if (!queueUrl) return [name, null, null, null, null];
  const { Attributes = {} } = await clients.sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return [
    name,
    Number(Attributes.ApproximateNumberOfMessages ?? 0),
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    await oldestMessageAge(queueUrl, clients.cloudWatch()),
  ];
}

/**
 * SQS says how old its oldest message is only through CloudWatch: the latest `ApproximateAgeOfOldestMessage`
 * of the last 15 minutes (SQS reports it every minute), in seconds; null where it cannot be asked.
 */
async function oldestMessageAge(queueUrl: string, cloudWatch: CloudWatchClient | undefined) {
  if (!cloudWatch) return null;
  const queueName = new URL(queueUrl).pathname.split('/').filter(Boolean).at(-1) ?? '';
  const now = Date.now();
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 15 * 60_000),
      EndTime: new Date(now),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'oldest',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: queueName }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return MetricDataResults[0]?.Values?.[0] ?? null;
}

/** One look at the pipeline, written to `out`. */
export async function showStatus(config: CliConfig, clients: StatusClients, out: Output): Promise<void> {
  const now = Date.now();
  out.table(
    'queues',
    ['queue', 'waiting', 'in flight', 'delayed', 'oldest seconds'],
    [
      await queueRow('allocations', config.ALLOCATIONS_QUEUE_URL, clients),
      await queueRow('dead-letter', config.ALLOCATIONS_DLQ_URL, clients),
    ],
  );
  if (!clients.cloudWatch())
    out.say('oldest: unknown (CloudWatch is not asked against a local SQS: AWS_ENDPOINT_URL is set)');

  const operations = await clients.kafka();
  const stageRows: (string | number | null)[][] = [];
  const partitionRows: (string | number | null)[][] = [];
  for (const stage of ['processor', 'sink'] as const) {
    const { topic, groupId } = stageInput(config, stage);
    const lags = await operations.lag(groupId, topic);
    const behind = lags.filter((entry) => entry.lag > 0);
    const heads = await operations.recordsAt(
      topic,
      behind.map((entry) => ({ partition: entry.partition, offset: entry.committed ?? 0 })),
    );
    const oldestOf = new Map(heads.map((record) => [record.partition, ageSeconds(record.timestamp, now)]));
    for (const entry of lags)
      partitionRows.push([
        stage,
        entry.partition,
        entry.committed,
        entry.end,
        entry.lag,
        oldestOf.get(entry.partition) ?? null,
      ]);
    const ages = [...oldestOf.values()].filter((age): age is number => age !== null);
    stageRows.push([
      stage,
      await operations.liveMembers(groupId),
      lags.reduce((sum, entry) => sum + entry.lag, 0),
      ages.length ? Math.max(...ages) : null,
      // Watermark records count in lag, and are settled as soon as they are read: what is held is allocations.
      heads.filter((record) => !isWatermark(record.headers)).length,
    ]);
  }
  out.table(
    'stages',
    ['stage', 'members', 'lag', 'oldest unsettled seconds', 'partitions waiting'],
    stageRows,
  );
  out.table(
    'partitions',
    ['stage', 'partition', 'committed', 'end', 'lag', 'oldest unsettled seconds'],
    partitionRows,
  );

  const topics = await operations.topics();
  const letters = topics.includes(config.DEAD_LETTER_TOPIC)
    ? await operations.readToEnd(config.DEAD_LETTER_TOPIC)
    : [];
  const log = await readRedriveLog(operations, config.DEAD_LETTER_TOPIC);
  out.table(
    'deadLetters',
    ['stage', 'pending', 'redriven'],
    ['processor', 'sink'].map((stage) => {
      const ofStage = letters.filter((record) => record.headers[deadLetterHeader.stage] === stage);
      const redriven = ofStage.filter((record) => log.has(`${record.partition}:${record.offset}`)).length;
      return [stage, ofStage.length - redriven, redriven];
    }),
  );
}

export async function status(
  args: string[],
  config: CliConfig,
  clients: StatusClients,
  output: () => Output,
  signal: AbortSignal,
): Promise<void> {
  const { args: rest, intervalMs } = watchIntervalOf(args);
  parseArgs({ args: rest, options: {} });
  for (;;) {
    const out = output();
    await showStatus(config, clients, out);
    out.end();
    if (intervalMs === undefined || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (signal.aborted) return;
  }
}
