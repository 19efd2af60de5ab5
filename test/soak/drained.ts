import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config/config.ts';
import { consumerLag } from '../../src/kafka/lag.ts';
import { topologyOf } from '../../src/topology.ts';

/**
 * Whether the pipeline has worked through everything it was given: nothing waiting or in flight on the queue,
 * and no lag in the processor's or the sink's consumer group. A group that cannot be asked counts as behind.
 */
export async function pipelineDrained(sqs: SQSClient, queueUrl: string, admin: Admin, config: Config) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const onQueue =
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  if (onQueue > 0) return false;
  const topology = topologyOf(config);
  for (const stage of ['processor', 'sink'] as const) {
    const { groupId, input } = topology[stage];
    const lag = await consumerLag(admin, groupId, input.topic).catch(() => [{ lag: 1 }]);
    if (lag.some((partition) => partition.lag !== 0)) return false;
  }
  return true;
}
