import kafkajs, { type Producer } from 'kafkajs';
import type { AvroSerde } from './serde.ts';
import type { Emit } from './stage.ts';

const { Partitioners } = kafkajs;

/** Publishes records, each encoded with its topic's registered schema, in one request. */
export interface Publisher {
  publish<T>(emits: readonly Emit<T>[]): Promise<void>;
  /** Control records (headers only, no key or value) to the given partitions, in one request (watermark.ts). */
  publishMarks(marks: readonly Mark[]): Promise<void>;
}

/** A control record for one partition: a watermark, told by its headers. */
export interface Mark {
  readonly topic: string;
  readonly partition: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Idempotent: a retried send never writes a record twice; one request in flight keeps each key in order.
 * The default partitioner is murmur2, as Java clients use: a CRN lands on the same partition whoever writes it.
 */
export function createProducer(kafka: kafkajs.Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function publisherOf(producer: Producer, serde: AvroSerde): Publisher {
  return {
    async publish(emits) {
      if (emits.length === 0) return;
      const topicMessages = await Promise.all(
        emits.map(async (emit) => ({
          topic: emit.topic,
          messages: [
            {
              key: emit.key,
              value: await serde.encode(emit.topic, emit.value),
              ...(emit.headers ? { headers: { ...emit.headers } } : {}),
            },
          ],
        })),
      );
      await producer.sendBatch({ topicMessages });
    },
    async publishMarks(marks) {
      if (marks.length === 0) return;
      await producer.sendBatch({
        topicMessages: marks.map((mark) => ({
          topic: mark.topic,
          messages: [{ partition: mark.partition, key: null, value: null, headers: { ...mark.headers } }],
        })),
      });
    },
  };
}
