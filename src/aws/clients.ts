import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsSettings {
  readonly region: string;
  /** An explicit endpoint (fauxqs, LocalStack); absent in AWS, where the SDK derives it from the region. */
  readonly endpoint?: string | undefined;
  /** Static credentials for local emulators; absent in AWS, where the default provider chain applies (IRSA). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

function clientConfig({ region, endpoint, credentials }: AwsSettings) {
  return { region, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
}

export function createSqsClient(settings: AwsSettings): SQSClient {
  return new SQSClient(clientConfig(settings));
}

export function createSnsClient(settings: AwsSettings): SNSClient {
  return new SNSClient(clientConfig(settings));
}
