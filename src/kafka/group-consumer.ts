import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../observability/logger.ts';

/** How much of a partition an ordered stage fetches at once: the records a late one can be put before. */
const orderedFetchBytesPerPartition = 4 * 1024 * 1024;

export interface GroupConsumerOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** Partitions worked on at once. */
  readonly concurrency: number;
  /** An ordered stage fetches more of each partition, for a late record to be put before what it was made before. */
  readonly ordered: boolean;
}

/** Whether the consumer is in its group, and whether it can still work at all. */
export interface GroupHealth {
  readonly isReady: () => boolean;
  readonly isAlive: () => boolean;
  /** The partitions of a topic the group last assigned this consumer; none while it rejoins or has crashed. */
  readonly assigned: (topic: string) => readonly number[];
}

/**
 * A kafkajs consumer tuned for a stage, with its group membership and crashes followed: `onJoin` hears each
 * (re)join, when the partitions may have moved.
 */
export function groupConsumer(
  kafka: Kafka,
  options: GroupConsumerOptions,
  logger: Logger,
  hooks: { readonly onJoin: () => void; readonly stopping: () => boolean },
): { consumer: Consumer; health: GroupHealth } {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
    // A stop waits for the fetch in flight: an idle fetch returns within a second instead of kafkajs's five.
    maxWaitTimeInMs: 1_000,
    ...(options.ordered
      ? {
          maxBytesPerPartition: orderedFetchBytesPerPartition,
          maxBytes: orderedFetchBytesPerPartition * Math.max(4, options.concurrency),
        }
      : {}),
  });
  let joined = false;
  let crashed = false;
  let deadForGood = false;
  let assignment: Readonly<Record<string, readonly number[]>> = {};
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    crashed = false;
    assignment = event.payload.memberAssignment;
    hooks.onJoin();
    logger.info({ assignment: event.payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.REBALANCING, () => {
    assignment = {};
  });
  consumer.on(consumer.events.CRASH, (event) => {
    crashed = true;
    assignment = {};
    if (!event.payload.restart && !hooks.stopping()) deadForGood = true;
    logger.error(
      { error: event.payload.error.message, restart: event.payload.restart },
      event.payload.restart ? 'consumer crashed; it restarts' : 'consumer crashed for good: liveness is DOWN',
    );
  });
  return {
    consumer,
    health: {
      isReady: () => joined && !crashed,
      isAlive: () => !deadForGood,
      assigned: (topic) => assignment[topic] ?? [],
    },
  };
}
