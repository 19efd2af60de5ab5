import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { domainEventSchema, snsEnvelopeSchema } from '../../domain/domain-event.ts';
import { allocationEventTypes } from '../../domain/event-types.ts';
import { required, UsageError, type CliConfig } from '../cli-config.ts';
import { jsonOptionHelp, type Output } from '../output.ts';

export const sendHelp = `usage: allocations send --file FILE
       allocations send --event-type TYPE --crn CRN --detail-url URL [--description TEXT]

Publishes an HMPPS domain event to the domain-events SNS topic (DOMAIN_EVENTS_TOPIC_ARN), with its eventType
as a message attribute, as Workforce would. FILE holds the event itself or an SNS envelope around it.
TYPE is one of: ${allocationEventTypes.join(', ')}.

${jsonOptionHelp}`;

export async function send(
  args: string[],
  config: CliConfig,
  sns: () => SNSClient,
  out: Output,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string' },
      'event-type': { type: 'string' },
      crn: { type: 'string' },
      'detail-url': { type: 'string' },
      description: { type: 'string' },
    },
  });
  let event: Record<string, unknown>;
  if (values.file) {
    const body: unknown = JSON.parse(await readFile(values.file, 'utf8'));
    const envelope = snsEnvelopeSchema.safeParse(body);
    event = envelope.success
      ? (JSON.parse(envelope.data.Message) as Record<string, unknown>)
      : (body as Record<string, unknown>);
  } else {
    const eventType = values['event-type'];
    if (!eventType || !values.crn || !values['detail-url'])
      throw new UsageError('give --file, or all of --event-type, --crn and --detail-url');
    event = {
      eventType,
      version: 1,
      description: values.description ?? null,
      detailUrl: values['detail-url'],
      occurredAt: new Date().toISOString(),
      personReference: { identifiers: [{ type: 'CRN', value: values.crn }] },
    };
  }
  const parsed = domainEventSchema.safeParse(event);
  if (!parsed.success)
    throw new UsageError(
      `not an HMPPS domain event: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  // The queue's subscription lets only these through: anything else would be published and never arrive.
  if (!(allocationEventTypes as readonly string[]).includes(parsed.data.eventType))
    throw new UsageError(
      `event type "${parsed.data.eventType}" is not one the allocations queue receives: ${allocationEventTypes.join(', ')}`,
    );
  const { MessageId } = await sns().send(
    new PublishCommand({
      TopicArn: required(config, 'DOMAIN_EVENTS_TOPIC_ARN'),
      Message: JSON.stringify(event),
      MessageAttributes: { eventType: { DataType: 'String', StringValue: parsed.data.eventType } },
    }),
  );
  out.value(
    'published',
    { eventType: parsed.data.eventType, messageId: MessageId ?? null },
    `published ${parsed.data.eventType} as ${MessageId ?? '?'}`,
  );
}
