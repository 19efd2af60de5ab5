import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { readStackEnv, type StackEnv } from '../../infra/stack.ts';
import {
  awsSettingsFrom,
  createSnsClient,
  createSqsClient,
  type AwsSettings,
} from '../../src/connectors/aws-clients.ts';

let cached: StackEnv | undefined;

/** The endpoints of the stack the global setup brought up. */
export async function stackEnv(): Promise<StackEnv> {
  cached ??= await readStackEnv();
  if (!cached) throw new Error('no local stack: the jest global setup did not run (use `npm test`)');
  return cached;
}

export function requireEnv(env: StackEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`the stack env file has no ${name}`);
  return value;
}

export async function awsSettings(): Promise<AwsSettings> {
  const env = await stackEnv();
  return awsSettingsFrom({ ...env, AWS_REGION: requireEnv(env, 'AWS_REGION') });
}

export async function awsClients() {
  const settings = await awsSettings();
  return { sns: createSnsClient(settings), sqs: createSqsClient(settings) };
}

/** Messages in a queue, visible or in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.['ApproximateNumberOfMessages']) +
    Number(Attributes?.['ApproximateNumberOfMessagesNotVisible'])
  );
}
