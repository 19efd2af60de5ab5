import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly partition: number;
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
}

/** Per partition: the group's committed offset, the topic's end offset, and how many records lie between. */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends
    .map((end) => {
      const offset = Number(
        committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? -1,
      );
      const start = Number(end.low);
      const high = Number(end.high);
      const position = offset >= 0 ? offset : null;
      return { partition: end.partition, committed: position, end: high, lag: high - (position ?? start) };
    })
    .sort((a, b) => a.partition - b.partition);
}
