import { readStackEnv, type StackEnv } from '../../infra/stack.ts';
import { createSnsClient, createSqsClient, type AwsSettings } from '../../src/aws/clients.ts';

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
  return {
    region: requireEnv(env, 'AWS_REGION'),
    endpoint: requireEnv(env, 'AWS_ENDPOINT_URL'),
    credentials: {
      accessKeyId: requireEnv(env, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: requireEnv(env, 'AWS_SECRET_ACCESS_KEY'),
    },
  };
}

export async function awsClients() {
  const settings = await awsSettings();
  return { sns: createSnsClient(settings), sqs: createSqsClient(settings) };
}
