import type { Config, StageName } from './config/config.ts';
import {
  allocationRecordSchema,
  domainEventRecordSchema,
  iapsEventRecordSchema,
  type AllocationRecord,
  type DomainEventRecord,
  type IapsEventRecord,
} from './domain/topic-records.ts';
import type { TopicContract } from './kafka/stage.ts';
import type { TopicSpec } from './kafka/topics.ts';

/** The message of each topic: its Avro wire contract and its zod schema. */
export const contracts = {
  domainEvent: {
    avro: 'domain-event',
    schema: domainEventRecordSchema,
  } satisfies TopicContract<DomainEventRecord>,
  allocation: {
    avro: 'allocation',
    schema: allocationRecordSchema,
  } satisfies TopicContract<AllocationRecord>,
  iapsEvent: { avro: 'iaps-event', schema: iapsEventRecordSchema } satisfies TopicContract<IapsEventRecord>,
} as const;

export type ConsumerStageName = Exclude<StageName, 'connector'>;

/** The settings the topology is made of: the service's, and the subset the operator's tool reads. */
export type TopologySettings = Pick<
  Config,
  | 'DOMAIN_EVENTS_TOPIC'
  | 'ALLOCATIONS_TOPIC'
  | 'IAPS_EVENTS_TOPIC'
  | 'DEAD_LETTER_TOPIC'
  | 'CONSUMER_GROUP_PREFIX'
>;

/**
 * The one statement of which stage reads and writes which topic in which consumer group: the composition root,
 * the operator's tool, the lag metric and the tests all read it here.
 *
 *   SQS → connector → domain events → processor (group <prefix>.processor) → allocations
 *       → sink (group <prefix>.sink) → Delius, IAPS events;  processor, sink → dead letters
 */
export function topologyOf(settings: TopologySettings) {
  const group = (stage: ConsumerStageName) => `${settings.CONSUMER_GROUP_PREFIX}.${stage}`;
  return {
    topics: [
      settings.DOMAIN_EVENTS_TOPIC,
      settings.ALLOCATIONS_TOPIC,
      settings.IAPS_EVENTS_TOPIC,
      settings.DEAD_LETTER_TOPIC,
    ],
    deadLetters: settings.DEAD_LETTER_TOPIC,
    connector: { output: { topic: settings.DOMAIN_EVENTS_TOPIC, contract: contracts.domainEvent } },
    processor: {
      groupId: group('processor'),
      input: { topic: settings.DOMAIN_EVENTS_TOPIC, contract: contracts.domainEvent },
      output: { topic: settings.ALLOCATIONS_TOPIC, contract: contracts.allocation },
    },
    sink: {
      groupId: group('sink'),
      input: { topic: settings.ALLOCATIONS_TOPIC, contract: contracts.allocation },
      output: { topic: settings.IAPS_EVENTS_TOPIC, contract: contracts.iapsEvent },
    },
  } as const;
}

export type Topology = ReturnType<typeof topologyOf>;

/** The settings the service's topics are created with. */
export type TopicSettings = TopologySettings &
  Pick<
    Config,
    'TOPIC_PARTITIONS' | 'KAFKA_REPLICATION_FACTOR' | 'KAFKA_RETENTION_MS' | 'DEAD_LETTER_RETENTION_MS'
  >;

/** The service's topics as they must be: partitions, replicas, and retention (long for the dead letters). */
export function topicSpecsOf(settings: TopicSettings): TopicSpec[] {
  const topology = topologyOf(settings);
  return topology.topics.map((topic) => ({
    topic,
    partitions: settings.TOPIC_PARTITIONS,
    replicationFactor: settings.KAFKA_REPLICATION_FACTOR,
    retentionMs:
      topic === topology.deadLetters ? settings.DEAD_LETTER_RETENTION_MS : settings.KAFKA_RETENTION_MS,
  }));
}
