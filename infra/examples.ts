import { readFile } from 'node:fs/promises';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import path from 'node:path';
import { rootDir } from './paths.ts';

/** The project's example messages, detail bodies and Workload API stubs (`examples/README.md`). */
export const examplesDir = path.join(rootDir, 'examples');

/** Stands for the local Workload API's origin in the example messages' `detailUrl`. */
export const workloadApiPlaceholder = '{workload-api}';

/**
 * Every example message with the detail body its stub serves, in an order where each owner's first allocation
 * comes first. The by-id details of the event, requirement and licence-condition kinds have no message.
 */
export const examplePairs = [
  ['person-allocation-message.json', 'person-allocation-details.json'],
  ['person-allocation-historic-message.json', 'person-allocation-details-historic.json'],
  ['person-reallocation-message.json', 'person-allocation-details-reallocation.json'],
  ['person-allocation-by-id-message.json', 'person-allocation-details-by-id.json'],
  ['event-allocation-message.json', 'event-allocation-details.json'],
  ['event-allocation-historic-message.json', 'event-allocation-details-historic.json'],
  ['event-reallocation-message.json', 'event-allocation-details-reallocation.json'],
  [
    'event-reallocation-spo-oversight-message.json',
    'event-allocation-details-reallocation-spo-oversight.json',
  ],
  ['event-allocation-by-id-message.json', 'event-allocation-details-by-id.json'],
  ['requirement-allocation-message.json', 'requirement-allocation-details.json'],
  ['requirement-allocation-historic-message.json', 'requirement-allocation-details-historic.json'],
  ['requirement-reallocation-message.json', 'requirement-allocation-details-reallocation.json'],
  ['licence-condition-allocation-message.json', 'licence-condition-allocation-details.json'],
  [
    'licence-condition-allocation-historic-message.json',
    'licence-condition-allocation-details-historic.json',
  ],
  ['licence-condition-reallocation-message.json', 'licence-condition-allocation-details-reallocation.json'],
] as const;

export const exampleMessages = examplePairs.map(([message]) => message);

/** An example message's domain event, its `{workload-api}` detail URL pointing at the local Workload API. */
export async function readExampleEvent(
  file: string,
  workloadApiUrl: string,
): Promise<Record<string, unknown>> {
  const envelope = JSON.parse(await readFile(path.join(examplesDir, file), 'utf8')) as { Message: string };
  return JSON.parse(envelope.Message.replace(workloadApiPlaceholder, workloadApiUrl)) as Record<
    string,
    unknown
  >;
}

/**
 * Publishes every example allocation event to the domain-events SNS topic, as Workforce would (the `eventType`
 * message attribute the queue's subscription filters on), its detail URL on `workloadApiUrl`; returns SNS's
 * message ids in the order sent.
 */
export async function publishExamples(
  sns: SNSClient,
  topicArn: string,
  workloadApiUrl: string,
): Promise<string[]> {
  const sent: string[] = [];
  for (const file of exampleMessages) {
    const event = await readExampleEvent(file, workloadApiUrl);
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { eventType: { DataType: 'String', StringValue: String(event['eventType']) } },
      }),
    );
    if (MessageId) sent.push(MessageId);
  }
  return sent;
}
