// Compose's `send-examples` service (`docker compose run --rm send-examples`): publishes every example allocation
// event to the domain-events SNS topic, their detail URLs on WORKLOAD_API_URL, as `npm run dev --
// --send-examples` does. The service's log (`docker compose logs -f app`) shows what became of each.
import { z } from 'zod';
import { awsSettingsFrom, createSnsClient } from '../../src/connectors/aws-clients.ts';
import { publishExamples } from '../examples.ts';

const env = z
  .object({
    DOMAIN_EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
    WORKLOAD_API_URL: z.url(),
    AWS_REGION: z.string().default('eu-west-2'),
    AWS_ENDPOINT_URL: z.url().optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
  })
  .parse(process.env);
const sns = createSnsClient(awsSettingsFrom(env));
const sent = await publishExamples(sns, env.DOMAIN_EVENTS_TOPIC_ARN, env.WORKLOAD_API_URL);
console.log(`published ${sent.length} example allocation events to ${env.DOMAIN_EVENTS_TOPIC_ARN}`);
sns.destroy();
