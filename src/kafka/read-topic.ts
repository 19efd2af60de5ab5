import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface TopicRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly timestamp: string;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
}

/**
 * Every record of a topic, from the start to the end offsets at the time of the call, in partition and offset
 * order. Reads with a throwaway consumer group that is deleted afterwards, so it changes no stage's offsets.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onProgress?: (read: number, total: number) => void,
): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `allocations-cli-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends
        .filter((end) => Number(end.high) > Number(end.low))
        .map((end) => [end.partition, Number(end.high)]),
    );
    const total = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    const records: TopicRecord[] = [];
    if (remaining.size > 0) {
      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end !== undefined && Number(message.offset) < end) {
                records.push({
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  value: message.value,
                  headers: headersOf(message),
                  timestamp: message.timestamp,
                });
                onProgress?.(records.length, total);
              }
              if (end !== undefined && Number(message.offset) >= end - 1) remaining.delete(partition);
              if (remaining.size === 0) resolve();
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  } finally {
    await admin.disconnect();
  }
}
