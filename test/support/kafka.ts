import type { Consumer, KafkaMessage } from 'kafkajs';
import { ceiling } from './patience.ts';

export interface Received {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: Buffer | null;
}

/**
 * Runs `consumer` on `topic` until `count` messages have arrived (or fails after `timeoutMs`), then stops it.
 * `onMessage` runs for each one before it counts, so a test can commit as it goes.
 */
export async function consumeCount(
  consumer: Consumer,
  topic: string,
  count: number,
  {
    timeoutMs = ceiling(30_000),
    onMessage,
  }: { timeoutMs?: number; onMessage?: (message: KafkaMessage, partition: number) => Promise<void> } = {},
): Promise<Received[]> {
  const received: Received[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`received ${received.length} of ${count} messages on ${topic} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ message, partition }) => {
          await onMessage?.(message, partition);
          received.push({
            partition,
            offset: message.offset,
            key: message.key?.toString(),
            value: message.value,
          });
          if (received.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.stop();
  return received;
}
