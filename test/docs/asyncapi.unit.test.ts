import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import avro from 'avsc';
import { parse } from 'yaml';
import { rootDir } from '../../infra/paths.ts';
import { allocationsQueueName } from '../../infra/stack.ts';
import { configSchema } from '../../src/config/config.ts';
import { deadLetterHeader } from '../../src/kafka/dead-letters.ts';
import { watermarkHeader, watermarkSchema } from '../../src/kafka/watermark.ts';

interface AsyncApi {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  components: {
    messages: Record<
      string,
      {
        title: string;
        payload?: { schemaFormat?: string; schema?: { $ref: string } };
        headers?: { properties: Record<string, { description?: string }> };
      }
    >;
  };
}

const documentPath = path.join(rootDir, 'docs', 'asyncapi.yaml');
const load = async () => parse(await readFile(documentPath, 'utf8')) as AsyncApi;
const messageOf = (document: AsyncApi, channel: string) => {
  const reference = Object.values(document.channels[channel]?.messages ?? {})[0]?.$ref ?? '';
  return document.components.messages[reference.split('/').at(-1) ?? ''];
};

describe('the AsyncAPI document (docs/asyncapi.yaml)', () => {
  it('describes every Avro schema of schemas/, under the name the schema gives its record', async () => {
    const document = await load();
    const avroMessages = Object.values(document.components.messages).filter((message) =>
      message.payload?.schemaFormat?.includes('avro'),
    );
    const files = (await readdir(path.join(rootDir, 'schemas')))
      .filter((file) => file.endsWith('.avsc'))
      .sort();
    expect(avroMessages.map((message) => path.basename(message.payload?.schema?.$ref ?? '')).sort()).toEqual(
      files,
    );
    for (const message of avroMessages) {
      const schemaPath = path.resolve(path.dirname(documentPath), message.payload?.schema?.$ref ?? '');
      const type = avro.Type.forSchema(JSON.parse(await readFile(schemaPath, 'utf8')) as avro.Schema);
      expect(message.title).toBe(type.name);
    }
  });

  it('names the topics the service uses by default, and the queue the stack provisions', async () => {
    const document = await load();
    const defaults = configSchema.parse({
      KAFKA_BROKERS: 'x:1',
      SCHEMA_REGISTRY_URL: 'http://x',
      ALLOCATIONS_QUEUE_URL: 'http://x',
      HMPPS_AUTH_URL: 'http://x',
      HMPPS_AUTH_CLIENT_ID: 'x',
      HMPPS_AUTH_CLIENT_SECRET: 'x',
      DETAIL_URL_ALLOW_LIST: 'http://x',
    });
    expect(document.channels['domainEvents']?.address).toBe(defaults.DOMAIN_EVENTS_TOPIC);
    expect(document.channels['allocations']?.address).toBe(defaults.ALLOCATIONS_TOPIC);
    expect(document.channels['iapsEvents']?.address).toBe(defaults.IAPS_EVENTS_TOPIC);
    expect(document.channels['deadLetters']?.address).toBe(defaults.DEAD_LETTER_TOPIC);
    expect(document.channels['allocationsQueue']?.address).toBe(allocationsQueueName);
    expect(messageOf(document, 'domainEvents')?.payload?.schema?.$ref).toBe('../schemas/domain-event.avsc');
    expect(messageOf(document, 'allocations')?.payload?.schema?.$ref).toBe('../schemas/allocation.avsc');
    expect(messageOf(document, 'iapsEvents')?.payload?.schema?.$ref).toBe('../schemas/iaps-event.avsc');
  });

  it('lists exactly the headers a dead letter carries', async () => {
    const document = await load();
    expect(Object.keys(messageOf(document, 'deadLetters')?.headers?.properties ?? {}).sort()).toEqual(
      Object.values(deadLetterHeader).sort(),
    );
  });

  it('describes the watermark records on both topics the stages read, with every field of their header', async () => {
    const document = await load();
    for (const channel of ['domainEvents', 'allocations'])
      expect(
        Object.values(document.channels[channel]?.messages ?? {}).map((message) => message.$ref),
      ).toContain('#/components/messages/Watermark');
    const header = document.components.messages['Watermark']?.headers?.properties[watermarkHeader];
    for (const field of Object.keys(watermarkSchema.shape)) expect(header?.description).toContain(field);
  });
});
