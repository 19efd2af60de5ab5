import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

export interface TopicRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly timestamp: string;
}

/**
 * Reads `topic` with the throwaway consumer group `groupId` until `take` says it has all it wants (or `timeoutMs`
 * passes), then leaves and deletes the group, whatever happened: no stage's offsets move.
 */
async function readWithThrowawayGroup(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topic: string,
  take: (partition: number, message: KafkaMessage) => 'more' | 'done',
  timeoutMs?: number,
): Promise<void> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(resolve, timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            if (take(partition, message) === 'done') {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

function recordOf(partition: number, message: KafkaMessage): TopicRecord {
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value,
    headers: headersOf(message),
    timestamp: message.timestamp,
  };
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
    if (remaining.size > 0)
      await readWithThrowawayGroup(kafka, admin, groupId, topic, (partition, message) => {
        const end = remaining.get(partition);
        if (end !== undefined && Number(message.offset) < end) {
          records.push(recordOf(partition, message));
          onProgress?.(records.length, total);
        }
        if (end !== undefined && Number(message.offset) >= end - 1) remaining.delete(partition);
        return remaining.size === 0 ? 'done' : 'more';
      });
    return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  } finally {
    await admin.disconnect();
  }
}

/** The longest `readRecordsAt` waits for the records it asked for: a record deleted meanwhile is not waited for. */
const recordsAtTimeoutMs = 15_000;

/**
 * The first record at or after each given offset (one per partition), where there is one before the end: what a
 * consumer group will read next, for its age. Reads with a throwaway consumer group set to those offsets (and
 * every other partition to its end), deleted afterwards.
 */
export async function readRecordsAt(
  kafka: Kafka,
  topic: string,
  positions: readonly { partition: number; offset: number }[],
): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `allocations-cli-${randomUUID()}`;
  try {
    const bounds = await admin.fetchTopicOffsets(topic);
    const wanted = new Map<number, number>();
    for (const { partition, offset } of positions) {
      const bound = bounds.find((entry) => entry.partition === partition);
      const from = Math.max(offset, Number(bound?.low ?? 0));
      if (bound && from < Number(bound.high)) wanted.set(partition, from);
    }
    if (wanted.size === 0) return [];
    await admin.setOffsets({
      groupId,
      topic,
      partitions: bounds.map((bound) => ({
        partition: bound.partition,
        offset: String(wanted.get(bound.partition) ?? bound.high),
      })),
    });
    const records: TopicRecord[] = [];
    await readWithThrowawayGroup(
      kafka,
      admin,
      groupId,
      topic,
      (partition, message) => {
        if (wanted.delete(partition)) records.push(recordOf(partition, message));
        return wanted.size === 0 ? 'done' : 'more';
      },
      recordsAtTimeoutMs,
    );
    return records.sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
