import type avro from 'avsc';
import { checkAvroBounds } from '../../src/kafka/avro-bounds.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Consumer, KafkaMessage } from 'kafkajs';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { startService, type Service } from '../../src/app.ts';
import { consumerLag } from '../../src/kafka/lag.ts';
import { loadConfig, type Config, type StageName } from '../../src/config/config.ts';
import type { SourceOutcome } from '../../src/connectors/sqs-source.ts';
import { createSchemaRegistry } from '../../src/kafka/avro-schemas.ts';
import type { IncomingMessage, StageOutcome } from '../../src/kafka/stage.ts';
import { topologyOf } from '../../src/topology.ts';
import { startWorkloadApi } from '../../infra/workload-api.ts';
import { examplesDir, testDeliusDatabase } from './delius.ts';
import { readExampleEvent } from '../../infra/examples.ts';
import { testLogger, uniqueName, type TestScope } from './isolation.ts';
import { awsClients, stackEnv } from './stack.ts';
import { eventually } from './eventually.ts';
import { ceiling } from './patience.ts';

export interface TopicRecord {
  readonly key: string | undefined;
  readonly value: unknown;
  readonly raw: Buffer | null;
  readonly headers: Record<string, string>;
  readonly partition: number;
}

export interface Observed {
  readonly stage: StageName;
  readonly outcome: StageOutcome;
  readonly message: IncomingMessage;
}

/**
 * The whole pipeline on the real local stack, isolated for one test: its own SNS topic and queue, Kafka topics
 * and consumer groups, Delius schema (with the example data) and Workload API serving the example details.
 */
export async function testPipeline(
  scope: TestScope,
  options: {
    stages?: readonly StageName[];
    env?: Record<string, string>;
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
    /** The service reaches the database through another URL (a proxy), fixtures still directly. */
    databaseVia?: (url: string) => string;
  } = {},
) {
  const stack = await stackEnv();
  const queue = await scope.allocationsQueue({
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  const delius = await testDeliusDatabase(scope);
  const api = await startWorkloadApi();
  await api.registerExamples(examplesDir);
  const name = uniqueName('e2e');
  const env: Record<string, string> = {
    ...stack,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'silent',
    HTTP_PORT: '0',
    DOMAIN_EVENTS_TOPIC: `${name}.domain-events`,
    ALLOCATIONS_TOPIC: `${name}.allocations`,
    IAPS_EVENTS_TOPIC: `${name}.iaps-events`,
    DEAD_LETTER_TOPIC: `${name}.dead-letters`,
    CONSUMER_GROUP_PREFIX: name,
    TOPIC_PARTITIONS: '3',
    ALLOCATIONS_QUEUE_URL: queue.queueUrl,
    ALLOCATIONS_DLQ_URL: queue.deadLetterQueueUrl,
    DOMAIN_EVENTS_TOPIC_ARN: queue.topicArn,
    SQS_VISIBILITY_TIMEOUT_SECONDS: String(options.visibilityTimeoutSeconds ?? 30),
    HMPPS_AUTH_URL: api.url,
    HMPPS_AUTH_CLIENT_ID: api.clientId,
    HMPPS_AUTH_CLIENT_SECRET: api.clientSecret,
    DETAIL_URL_ALLOW_LIST: api.url,
    DATABASE_URL: options.databaseVia ? options.databaseVia(delius.url) : delius.serviceUrl,
    DATABASE_SCHEMA: delius.schema,
    RETRY_MAX_ATTEMPTS: '4',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    SQS_WAIT_TIME_SECONDS: '1',
    RETRY_INITIAL_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '400',
    ...options.env,
  };
  const config: Config = loadConfig(env);
  const observed: Observed[] = [];
  const waiters: { stage: StageName; messageId: string; resolve: (outcome: StageOutcome) => void }[] = [];
  const sourceOutcomes: SourceOutcome[] = [];
  const children: ChildProcess[] = [];
  let service: Service | undefined;
  const stages = options.stages ?? ['connector', 'processor', 'sink'];
  if (stages.length) {
    service = await startService(config, stages, testLogger, {
      onStageOutcome: (stage, outcome, message) => {
        observed.push({ stage, outcome, message });
        for (const waiter of waiters.filter(
          (entry) => entry.stage === stage && entry.messageId === message.headers['message-id'],
        )) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(outcome);
        }
      },
      onSourceOutcome: (outcome) => sourceOutcomes.push(outcome),
    });
  }
  const { sns } = await awsClients();
  const registry = createSchemaRegistry(config.SCHEMA_REGISTRY_URL);

  const pipeline = {
    config,
    env,
    service,
    queue,
    api,
    delius,
    observed,
    sourceOutcomes,
    /** Publishes a domain event to the SNS topic, as Workforce would; resolves to the SNS MessageId. */
    async publish(event: Record<string, unknown>, attributes: Record<string, string> = {}): Promise<string> {
      const { MessageId } = await sns.send(
        new PublishCommand({
          TopicArn: queue.topicArn,
          Message: JSON.stringify(event),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: String(event['eventType']) },
            ...Object.fromEntries(
              Object.entries(attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          },
        }),
      );
      if (!MessageId) throw new Error('SNS returned no MessageId');
      return MessageId;
    },
    /** The domain event of an example message, its detail URL pointing at this test's Workload API. */
    exampleEvent(file: string): Promise<Record<string, unknown>> {
      return readExampleEvent(file, api.url);
    },
    async publishExample(file: string): Promise<string> {
      return pipeline.publish(await pipeline.exampleEvent(file));
    },
    /** Resolves with the stage outcome for the message with this SNS MessageId, as soon as there is one. */
    outcomeFor(stage: StageName, messageId: string, timeoutMs = ceiling(30_000)): Promise<StageOutcome> {
      const known = pipeline.outcomeOf(stage, messageId);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${stage} outcome for ${messageId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ stage, messageId, resolve: (outcome) => (clearTimeout(timer), resolve(outcome)) });
      });
    },
    /** The stage outcome for the message with this SNS MessageId, once there is one. */
    outcomeOf(stage: StageName, messageId: string): StageOutcome | undefined {
      return observed.find(
        (entry) => entry.stage === stage && entry.message.headers['message-id'] === messageId,
      )?.outcome;
    },
    /** Reads a topic from the start until `count` records have arrived that match `wanted`; Avro values decoded. */
    async readTopic(
      topic: string,
      count: number,
      wanted: (record: TopicRecord) => boolean = () => true,
      timeoutMs = ceiling(20_000),
    ) {
      const kafka = await scope.kafka();
      const consumer: Consumer = kafka.consumer({ groupId: uniqueName('reader') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const matched: TopicRecord[] = [];
      const decode = async (message: KafkaMessage): Promise<unknown> => {
        const { value } = message;
        if (!value || value[0] !== 0 || value.length < 5) return value?.toString();
        try {
          // A hostile record's letter declares lengths it does not hold: walked first, as the service does.
          const writer = (await registry.getSchema(value.readUInt32BE(1))) as avro.Type;
          checkAvroBounds(writer, value.subarray(5));
          return await registry.decode(value);
        } catch {
          return value.toString('base64');
        }
      };
      try {
        await new Promise<void>((resolve, reject) => {
          if (count === 0) return resolve();
          const timer = setTimeout(
            () => reject(new Error(`found ${matched.length} of ${count} records on ${topic}`)),
            timeoutMs,
          );
          consumer
            .run({
              eachMessage: async ({ message, partition }) => {
                const headers = Object.fromEntries(
                  Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)]),
                );
                const record = {
                  key: message.key?.toString(),
                  value: await decode(message),
                  raw: message.value,
                  headers,
                  partition,
                };
                if (!wanted(record)) return;
                matched.push(record);
                if (matched.length >= count) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      return matched;
    },
    /** Every record on a topic, up to its end offsets at the time of the call. */
    async readAll(topic: string): Promise<TopicRecord[]> {
      const ends = await (await scope.admin()).fetchTopicOffsets(topic);
      const total = ends.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
      return pipeline.readTopic(topic, total);
    },
    /** The dead-letter record of the message with this SNS MessageId. */
    async deadLetterOf(messageId: string): Promise<TopicRecord> {
      const [record] = await pipeline.readTopic(
        pipeline.config.DEAD_LETTER_TOPIC,
        1,
        (candidate) => candidate.headers['message-id'] === messageId,
      );
      if (!record) throw new Error(`no dead letter for ${messageId}`);
      return record;
    },
    /** Resolves once a stage's group has committed everything on its input topic. */
    /**
     * Waits until the stage's group has committed everything on its input topic, and the topic holds at least
     * `records` (no lag on an empty topic is not caught up: what was published may not have reached it yet).
     */
    async caughtUp(
      stage: 'processor' | 'sink',
      { records = 0, timeoutMs = ceiling(60_000) }: { records?: number; timeoutMs?: number } = {},
    ) {
      const admin = await scope.admin();
      const { groupId, input } = topologyOf(config)[stage];
      await eventually(
        async () => {
          const lag = await consumerLag(admin, groupId, input.topic);
          const reached = lag.reduce((sum, partition) => sum + partition.end, 0);
          return reached >= records && lag.every((partition) => partition.lag === 0);
        },
        { timeoutMs, intervalMs: 200 },
      );
    },
    /** Starts one stage as a separate process of the real entry point, with this pipeline's configuration. */
    spawnStage(stage: StageName): ChildProcess {
      const child = spawn(process.execPath, [path.join(rootDir, 'src', 'main.ts'), '--stage', stage], {
        cwd: rootDir,
        env: { ...process.env, ...env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async close() {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await service?.stop();
      await api.close();
    },
  };
  return pipeline;
}

export type TestPipeline = Awaited<ReturnType<typeof testPipeline>>;
