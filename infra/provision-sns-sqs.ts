import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { allocationsFilterPolicy } from '../src/domain/event-types.ts';

export interface AllocationsQueueSpec {
  readonly topicName: string;
  readonly queueName: string;
  /** Deliveries before SQS moves a message to the dead-letter queue (rule A6: an infrastructure setting). */
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

export interface AllocationsQueue {
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.['QueueArn'];
  if (!arn) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

/**
 * The HMPPS domain-events topic, the allocations queue subscribed to it with a filter policy on `eventType`,
 * and the queue's dead-letter queue with a redrive policy. Every call is idempotent, so it also serves an
 * existing stack. Delivery is not raw: the queue receives the SNS envelope, as in HMPPS's platform.
 */
export async function provisionAllocationsQueue(
  { sns, sqs }: { sns: SNSClient; sqs: SQSClient },
  spec: AllocationsQueueSpec,
): Promise<AllocationsQueue> {
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: spec.topicName }));
  if (!topicArn) throw new Error(`topic ${spec.topicName} was not created`);

  const { QueueUrl: deadLetterQueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${spec.queueName}-dlq`,
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  if (!deadLetterQueueUrl) throw new Error(`queue ${spec.queueName}-dlq was not created`);
  const deadLetterQueueArn = await queueArn(sqs, deadLetterQueueUrl);

  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: spec.queueName,
      Attributes: {
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterQueueArn,
          maxReceiveCount: spec.maxReceiveCount,
        }),
      },
    }),
  );
  if (!queueUrl) throw new Error(`queue ${spec.queueName} was not created`);
  const arn = await queueArn(sqs, queueUrl);

  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: {
        FilterPolicy: JSON.stringify(allocationsFilterPolicy),
        FilterPolicyScope: 'MessageAttributes',
      },
    }),
  );
  return { topicArn, queueUrl, queueArn: arn, deadLetterQueueUrl, deadLetterQueueArn };
}
