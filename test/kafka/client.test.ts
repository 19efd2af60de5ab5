import { consumeCount } from '../support/kafka.ts';
import { testScope } from '../support/isolation.ts';

describe('kafkajs against the real broker', () => {
  const scope = testScope('kafka-client');
  afterAll(() => scope.close());

  it('resumes a consumer group after its committed offset when a second consumer joins it', async () => {
    const kafka = await scope.kafka();
    const topic = await scope.topic();
    const groupId = scope.groupId();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: ['a1', 'a2', 'a3'].map((value) => ({ key: 'X123456', value })),
      });

      const first = kafka.consumer({ groupId });
      await first.connect();
      const firstBatch = await consumeCount(first, topic, 3, {
        onMessage: async (message, partition) => {
          await first.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
      await first.disconnect();
      expect(firstBatch.map((message) => message.value?.toString())).toEqual(['a1', 'a2', 'a3']);

      const admin = await scope.admin();
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

      await producer.send({ topic, messages: ['b1', 'b2'].map((value) => ({ key: 'X123456', value })) });
      const second = kafka.consumer({ groupId });
      await second.connect();
      const secondBatch = await consumeCount(second, topic, 2);
      await second.disconnect();
      expect(secondBatch.map((message) => [message.offset, message.value?.toString()])).toEqual([
        ['3', 'b1'],
        ['4', 'b2'],
      ]);
    } finally {
      await producer.disconnect();
    }
  });

  it('keeps every message of one key in one partition of a multi-partition topic', async () => {
    const kafka = await scope.kafka();
    const topic = await scope.topic({ partitions: 6 });
    const admin = await scope.admin();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(6);

    const keys = ['X100001', 'X100002', 'X100003', 'X100004', 'X100005', 'X100006', 'X100007', 'X100008'];
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sentPartitions = new Map<string, Set<number>>();
    try {
      for (let round = 0; round < 5; round += 1) {
        const results = await producer.send({
          topic,
          messages: keys.map((key) => ({ key, value: `${key}-${round}` })),
        });
        expect(results.every((result) => result.errorCode === 0)).toBe(true);
      }
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: scope.groupId() });
    await consumer.connect();
    const received = await consumeCount(consumer, topic, keys.length * 5);
    await consumer.disconnect();
    for (const message of received) {
      const key = message.key ?? 'missing';
      sentPartitions.set(key, (sentPartitions.get(key) ?? new Set()).add(message.partition));
    }
    expect([...sentPartitions.keys()].sort()).toEqual(keys);
    for (const partitions of sentPartitions.values()) expect(partitions.size).toBe(1);
    // Within a partition, one key's messages arrive in the order they were sent.
    for (const key of keys) {
      const values = received
        .filter((message) => message.key === key)
        .map((message) => message.value?.toString());
      expect(values).toEqual([0, 1, 2, 3, 4].map((round) => `${key}-${round}`));
    }
  });
});
