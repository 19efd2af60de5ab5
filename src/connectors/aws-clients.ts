import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsSettings {
  readonly region: string;
  /** An explicit endpoint (fauxqs, LocalStack); absent in AWS, where the SDK derives it from the region. */
  readonly endpoint?: string | undefined;
  /** Static credentials for local emulators; absent in AWS, where the default provider chain applies (IRSA). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /**
   * How long a request may go unanswered. The SDK sets no limit, so one request that a server accepts and never
   * answers would hold the connector for good; a long poll must fit inside it.
   */
  readonly requestTimeoutMs?: number | undefined;
}

/** Room above the longest long poll (20 s) for a loaded server to answer. */
export const defaultSqsRequestTimeoutMs = 30_000;
const connectionTimeoutMs = 3_000;

/** The variables the service and the operator's tool read them from (README, configuration). */
export interface AwsVariables {
  readonly AWS_REGION: string;
  readonly AWS_ENDPOINT_URL?: string | undefined;
  readonly AWS_ACCESS_KEY_ID?: string | undefined;
  readonly AWS_SECRET_ACCESS_KEY?: string | undefined;
}

/** Static credentials only when both keys are given (emulators); otherwise the default chain applies. */
export function awsSettingsFrom(variables: AwsVariables): AwsSettings {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = variables;
  return {
    region: variables.AWS_REGION,
    endpoint: variables.AWS_ENDPOINT_URL,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

function clientConfig({ region, endpoint, credentials, requestTimeoutMs }: AwsSettings) {
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs ?? defaultSqsRequestTimeoutMs,
      // Without it the SDK only warns when the limit passes, and goes on waiting.
      throwOnRequestTimeout: true,
    },
  };
}

export function createSqsClient(settings: AwsSettings): SQSClient {
  return new SQSClient(clientConfig(settings));
}

export function createSnsClient(settings: AwsSettings): SNSClient {
  return new SNSClient(clientConfig(settings));
}

/** CloudWatch, for the queue's age (`allocations status`): at its own endpoint where one is given, else AWS's. */
export function createCloudWatchClient(
  settings: AwsSettings,
  endpoint: string | undefined,
): CloudWatchClient {
  const { endpoint: _sqsEndpoint, ...rest } = settings;
  return new CloudWatchClient(clientConfig({ ...rest, endpoint, requestTimeoutMs: 10_000 }));
}
