import type { Admin } from 'kafkajs';
import { AppError } from '../domain/errors.ts';
import { isTopicAlreadyExists } from './kafka-errors.ts';

/** What a topic must be: its name, partitions, and (when the service creates it) replication and retention. */
export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** How long records are kept, in ms (-1: for ever). */
  readonly retentionMs: number;
  /** `compact`: only the latest record of each key is kept (the redrive log). Default: delete by retention. */
  readonly cleanupPolicy?: 'compact';
}

/**
 * Creates the topics that are missing (KAFKA_CREATE_TOPICS on: local runs and tests), with replication and
 * retention set explicitly rather than left to the broker's defaults, so that the dead-letter topic keeps its
 * letters as long as it was told to. Existing topics are left as they are. Returns the names it created.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = uniqueByName(specs).filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(spec.retentionMs) },
          ...(spec.cleanupPolicy ? [{ name: 'cleanup.policy', value: spec.cleanupPolicy }] : []),
          // With three replicas, an acknowledged record is on two of them before the producer hears so.
          ...(spec.replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []),
        ],
      })),
      waitForLeaders: true,
    });
  } catch (error) {
    // Another process of the service may have created them at the same moment.
    if (!isTopicAlreadyExists(error)) throw error;
  }
  return missing.map((spec) => spec.topic);
}

/**
 * With KAFKA_CREATE_TOPICS off (production's default: the service then needs no create-topic right), checks that
 * every topic exists with at least its partitions, and stops start-up with one clear line if not.
 */
export async function checkTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const wanted = uniqueByName(specs);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((spec) => !existing.has(spec.topic));
  const present = wanted.filter((spec) => existing.has(spec.topic));
  const metadata = present.length
    ? await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.topic) })
    : { topics: [] };
  const partitionsOf = new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  const problems = [
    ...missing.map((spec) => `${spec.topic} does not exist`),
    ...present
      .filter((spec) => (partitionsOf.get(spec.topic) ?? 0) < spec.partitions)
      .map(
        (spec) =>
          `${spec.topic} has ${partitionsOf.get(spec.topic) ?? 0} partitions, fewer than ${spec.partitions}`,
      ),
  ];
  if (problems.length) {
    throw new AppError(
      'not-provisioned',
      `Kafka topics are not ready: ${problems.join('; ')}. KAFKA_CREATE_TOPICS is off, so the service does not ` +
        'create them: create them as docs/runbook.md says, or set KAFKA_CREATE_TOPICS=true where it may',
      { context: { problems } },
    );
  }
}

function uniqueByName(specs: readonly TopicSpec[]): TopicSpec[] {
  return [...new Map(specs.map((spec) => [spec.topic, spec])).values()];
}
