import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { awsClients, queueDepth } from '../support/stack.ts';
import { testScope } from '../support/isolation.ts';

async function receiveOne(
  sqs: SQSClient,
  queueUrl: string,
  { visibilityTimeout, waitSeconds = 5 }: { visibilityTimeout?: number; waitSeconds?: number } = {},
): Promise<Message | undefined> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: waitSeconds,
      MaxNumberOfMessages: 1,
      VisibilityTimeout: visibilityTimeout,
    }),
  );
  return Messages?.[0];
}

function publish(topicArn: string, eventType: string, body: object) {
  return new PublishCommand({
    TopicArn: topicArn,
    Message: JSON.stringify(body),
    MessageAttributes: { eventType: { DataType: 'String', StringValue: eventType } },
  });
}

describe('the allocations queue on the domain-events topic (fauxqs)', () => {
  const scope = testScope('sns-sqs');
  afterAll(() => scope.close());

  it('delivers an allocation event wrapped in the SNS envelope and filters out other event types', async () => {
    const { sns, sqs } = await awsClients();
    const queue = await scope.allocationsQueue();
    const other = { eventType: 'probation-case.registration.added', version: 1 };
    const allocation = {
      eventType: 'event.manager.allocated',
      version: 1,
      detailUrl: 'http://localhost/allocation/event/1',
    };

    // SNS fans out synchronously in fauxqs, so once both publishes have returned, whatever was delivered is queued.
    await sns.send(publish(queue.topicArn, other.eventType, other));
    await sns.send(publish(queue.topicArn, allocation.eventType, allocation));

    expect(await queueDepth(sqs, queue.queueUrl)).toBe(1);
    const message = await receiveOne(sqs, queue.queueUrl);
    const envelope = JSON.parse(message?.Body ?? '{}') as Record<string, unknown>;
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: queue.topicArn,
      MessageAttributes: { eventType: { Type: 'String', Value: 'event.manager.allocated' } },
    });
    expect(JSON.parse(envelope['Message'] as string)).toEqual(allocation);
  });

  it.each([
    'person.community.manager.allocated',
    'event.manager.allocated',
    'requirement.manager.allocated',
    'licence-condition.manager.allocated',
  ])('subscribes to %s', async (eventType) => {
    const { sns, sqs } = await awsClients();
    const queue = await scope.allocationsQueue();
    await sns.send(publish(queue.topicArn, eventType, { eventType, version: 1 }));
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(1);
  });

  it('moves a message received more times than the redrive policy allows to the dead-letter queue', async () => {
    const { sns, sqs } = await awsClients();
    const queue = await scope.allocationsQueue({ maxReceiveCount: 2 });
    await sns.send(
      publish(queue.topicArn, 'person.community.manager.allocated', {
        eventType: 'person.community.manager.allocated',
        version: 1,
      }),
    );

    // Received and never deleted: visibility 0 makes it visible again at once, as a failing consumer would.
    const first = await receiveOne(sqs, queue.queueUrl, { visibilityTimeout: 0 });
    const second = await receiveOne(sqs, queue.queueUrl, { visibilityTimeout: 0 });
    expect(second?.MessageId).toBe(first?.MessageId);
    // The third receive finds it over the limit: SQS moves it instead of delivering it (a short poll, no waiting).
    expect(await receiveOne(sqs, queue.queueUrl, { visibilityTimeout: 0, waitSeconds: 0 })).toBeUndefined();
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(0);

    const deadLetter = await receiveOne(sqs, queue.deadLetterQueueUrl);
    expect(deadLetter?.MessageId).toBe(first?.MessageId);
    expect(deadLetter?.Body).toBe(first?.Body);
  });
});
