import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../observability/logger.ts';
import { createKafka } from './client.ts';
import { kafkaSecurityOptions, type KafkaSecuritySettings } from './security.ts';
import { consumerLag, type PartitionLag } from './lag.ts';
import { readRecordsAt, readTopicToEnd, type TopicRecord } from './read-topic.ts';
import { ensureTopics, type TopicSpec } from './topics.ts';

export interface PartitionBounds {
  readonly partition: number;
  /** The first offset still on the topic. */
  readonly low: number;
  /** The offset the next record will get. */
  readonly high: number;
}

export interface RawRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What the operator's tool does with Kafka, in the tool's own terms: the one place it meets the client library,
 * so that the CLI does not change when the library does.
 */
export interface KafkaOperations {
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
  bounds(topic: string): Promise<PartitionBounds[]>;
  /** Per partition, the first offset at or after `time`; -1 where there is none. */
  offsetsAt(topic: string, time: number): Promise<{ partition: number; offset: number }[]>;
  liveMembers(groupId: string): Promise<number>;
  topics(): Promise<string[]>;
  /** Creates the topics that are missing (src/kafka/topics.ts); returns their names. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  moveGroup(groupId: string, topic: string, offsets: { partition: number; offset: number }[]): Promise<void>;
  readToEnd(topic: string, onProgress?: (read: number, total: number) => void): Promise<TopicRecord[]>;
  /** The first record at or after each offset given, where there is one (src/kafka/read-topic.ts). */
  recordsAt(
    topic: string,
    positions: readonly { partition: number; offset: number }[],
  ): Promise<TopicRecord[]>;
  /** Sends records as they are (bytes and headers untouched), one at a time and in order, on one producer. */
  send(topic: string, records: readonly RawRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** The tool's Kafka: a client of its own (its own client id), connected on opening. */
export async function openKafkaOperations(
  settings: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly security: KafkaSecuritySettings;
  },
  logger: Logger,
): Promise<KafkaOperations> {
  const security = await kafkaSecurityOptions(settings.security);
  return connectKafkaOperations(
    createKafka({ brokers: settings.brokers, clientId: settings.clientId, security }, logger),
  );
}

export async function connectKafkaOperations(kafka: Kafka): Promise<KafkaOperations> {
  const admin = kafka.admin();
  await admin.connect();
  // Connected on the first send and kept for the rest: a redrive sends its letters one call at a time.
  let producer: Promise<Producer> | undefined;
  const connectedProducer = () =>
    (producer ??= (async () => {
      const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await created.connect();
      return created;
    })());
  return {
    lag: (groupId, topic) => consumerLag(admin, groupId, topic),
    async bounds(topic) {
      return (await admin.fetchTopicOffsets(topic)).map((end) => ({
        partition: end.partition,
        low: Number(end.low),
        high: Number(end.high),
      }));
    },
    async offsetsAt(topic, time) {
      return (await admin.fetchTopicOffsetsByTimestamp(topic, time)).map((entry) => ({
        partition: entry.partition,
        offset: Number(entry.offset),
      }));
    },
    async liveMembers(groupId) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      return group?.members.length ?? 0;
    },
    topics: () => admin.listTopics(),
    ensureTopics: (specs) => ensureTopics(admin, specs),
    async moveGroup(groupId, topic, offsets) {
      await admin.setOffsets({
        groupId,
        topic,
        partitions: offsets.map(({ partition, offset }) => ({ partition, offset: String(offset) })),
      });
    },
    readToEnd: (topic, onProgress) => readTopicToEnd(kafka, topic, onProgress),
    recordsAt: (topic, positions) => readRecordsAt(kafka, topic, positions),
    async send(topic, records) {
      const sender = await connectedProducer();
      for (const record of records)
        await sender.send({
          topic,
          messages: [{ key: record.key, value: record.value, headers: { ...record.headers } }],
        });
    },
    async close() {
      if (producer) await (await producer).disconnect();
      await admin.disconnect();
    },
  };
}
