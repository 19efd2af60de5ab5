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

/** The gauge's series, as `reportLag` keeps it. */
interface LagGauge {
  set(labels: { stage: string; topic: string; partition: string }, value: number): void;
  remove(labels: { stage: string; topic: string; partition: string }): void;
}

/**
 * Sets a replica's lag gauge to the lag of the partitions assigned to it, and removes the series of the rest:
 * every replica reads the whole group's lag, but reports only its own share, so that a sum across replicas (a
 * dashboard's, an autoscaler's) counts each partition once, and a partition that moved is reported by its new
 * owner alone.
 */
export function reportLag(
  gauge: LagGauge,
  where: { readonly stage: string; readonly topic: string },
  lag: readonly PartitionLag[],
  assigned: readonly number[],
): void {
  const mine = new Set(assigned);
  for (const entry of lag) {
    const labels = { ...where, partition: String(entry.partition) };
    if (mine.has(entry.partition)) gauge.set(labels, entry.lag);
    else gauge.remove(labels);
  }
}
