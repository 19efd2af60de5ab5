import { userInfo } from 'node:os';
import { z } from 'zod';
import type { KafkaOperations } from './operations.ts';
import type { TopicSpec } from './topics.ts';

/**
 * What has been redriven: one record per dead letter sent back, keyed by the letter's `partition:offset`, on a
 * compacted topic beside the dead-letter topic, so that the log keeps the latest entry of every letter for as long
 * as the letters themselves. `dead-letters list` shows each letter's state from it, and a second
 * `redrive --all` sends nothing twice.
 */
export const redriveEntrySchema = z.object({
  redrivenAt: z.iso.datetime(),
  /** The topic the letter was sent back to. */
  to: z.string().min(1),
  /** Who redrove it (the operating-system user of the tool). */
  by: z.string(),
});
export type RedriveEntry = z.infer<typeof redriveEntrySchema>;

export function redriveLogTopic(deadLetterTopic: string): string {
  return `${deadLetterTopic}.redrives`;
}

/** The redrive log's topic: compacted, one partition (it is small and read whole), kept with the letters. */
export function redriveLogSpec(settings: {
  readonly DEAD_LETTER_TOPIC: string;
  readonly KAFKA_REPLICATION_FACTOR: number;
  readonly DEAD_LETTER_RETENTION_MS: number;
}): TopicSpec {
  return {
    topic: redriveLogTopic(settings.DEAD_LETTER_TOPIC),
    partitions: 1,
    replicationFactor: settings.KAFKA_REPLICATION_FACTOR,
    retentionMs: settings.DEAD_LETTER_RETENTION_MS,
    cleanupPolicy: 'compact',
  };
}

/** The latest entry of every letter redriven so far; empty when nothing ever was (no log topic yet). */
export async function readRedriveLog(
  operations: KafkaOperations,
  deadLetterTopic: string,
  onProgress?: (read: number, total: number) => void,
): Promise<Map<string, RedriveEntry>> {
  const topic = redriveLogTopic(deadLetterTopic);
  const log = new Map<string, RedriveEntry>();
  if (!(await operations.topics()).includes(topic)) return log;
  for (const record of await operations.readToEnd(topic, onProgress)) {
    if (!record.key || !record.value) continue;
    const entry = redriveEntrySchema.safeParse(JSON.parse(record.value.toString()));
    if (entry.success) log.set(record.key, entry.data);
  }
  return log;
}

export function redriveEntry(to: string, now = new Date()): RedriveEntry {
  let by = 'unknown';
  try {
    by = userInfo().username;
  } catch {
    // No user name in some containers: the entry says unknown rather than failing the redrive.
  }
  return { redrivenAt: now.toISOString(), to, by };
}
