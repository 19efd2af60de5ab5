import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { messageOf } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';

/** The queue the connector reads, and how: its SQS adapter (receive, delete, visibility). */
export interface SqsQueue {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly visibilityTimeoutSeconds: number;
  /** Long-poll wait; also the longest a stop waits for the receive in flight. */
  readonly waitTimeSeconds: number;
  readonly logger: Logger;
}

/** The most messages one receive asks for (SQS's own limit): an answer with fewer took all that were visible. */
export const receiveLimit = 10;

export async function receive(queue: SqsQueue): Promise<Message[]> {
  const received = await queue.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.queueUrl,
      MaxNumberOfMessages: receiveLimit,
      WaitTimeSeconds: queue.waitTimeSeconds,
      VisibilityTimeout: queue.visibilityTimeoutSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
}

const entriesOf = (messages: readonly Message[]) =>
  messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));

/**
 * A message published but not deleted is received again after its visibility timeout and published again:
 * a duplicate that the sink recognises, never a loss. So a failed delete is logged, not retried here.
 */
export async function deleteAll(messages: readonly Message[], queue: SqsQueue): Promise<void> {
  if (messages.length === 0) return;
  try {
    const { Failed = [] } = await queue.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entriesOf(messages) }),
    );
    for (const failed of Failed)
      queue.logger.warn(
        { sqsMessageId: messages[Number(failed.Id)]?.MessageId, code: failed.Code, reason: failed.Message },
        'could not delete a published message: SQS will deliver it again, and the sink will see a duplicate',
      );
  } catch (error) {
    queue.logger.warn(
      { error: messageOf(error), messages: messages.length },
      'could not delete published messages: SQS will deliver them again, and the sink will see duplicates',
    );
  }
}

/** Made visible again at once: the queue's redrive moves them to the dead-letter queue after their last receive. */
export async function makeVisible(messages: readonly Message[], queue: SqsQueue): Promise<void> {
  if (messages.length === 0) return;
  try {
    await queue.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: entriesOf(messages).map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
      }),
    );
  } catch (error) {
    // Then they come back after their visibility timeout instead of at once: later, not lost.
    queue.logger.warn({ error: messageOf(error) }, 'could not make invalid messages visible again');
  }
}

/**
 * Keeps the messages of a batch invisible while they are in hand (for example while Kafka is slow to
 * acknowledge), instead of letting SQS hand them to another poller: renews at half the visibility timeout.
 */
export function keepInvisible(messages: readonly Message[], queue: SqsQueue): () => void {
  const timer = setInterval(
    () => {
      const entries = entriesOf(messages).map((entry) => ({
        ...entry,
        VisibilityTimeout: queue.visibilityTimeoutSeconds,
      }));
      queue.sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }))
        .catch((error: unknown) => {
          queue.logger.warn(
            { error: messageOf(error) },
            'could not extend the visibility of messages in flight',
          );
        });
    },
    (queue.visibilityTimeoutSeconds * 1000) / 2,
  );
  return () => clearInterval(timer);
}
