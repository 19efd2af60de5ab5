import type { Admin } from 'kafkajs';
import { isTopicAlreadyExists } from './kafka-errors.ts';

/** Creates the topics that are missing, with the configured partition count; existing topics are left as they are. */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    });
  } catch (error) {
    // Another process of the service may have created them at the same moment.
    if (!isTopicAlreadyExists(error)) throw error;
  }
  return missing;
}
