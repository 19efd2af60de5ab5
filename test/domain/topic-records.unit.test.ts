import { readFile } from 'node:fs/promises';
import path from 'node:path';
import avro from 'avsc';
import { parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import {
  allocationDetailOf,
  allocationKey,
  allocationRecordSchema,
  domainEventRecordSchema,
  iapsEventRecordSchema,
  toAllocationRecord,
} from '../../src/domain/topic-records.ts';
import { schemasDir } from '../../src/kafka/avro-schemas.ts';
import { readExample } from '../support/delius.ts';

async function avroFields(name: string): Promise<string[]> {
  const schema = JSON.parse(await readFile(path.join(schemasDir, `${name}.avsc`), 'utf8')) as {
    fields: { name: string }[];
  };
  return schema.fields.map((field) => field.name);
}

describe('topic records', () => {
  it.each([
    ['domain-event', domainEventRecordSchema],
    ['allocation', allocationRecordSchema],
    ['iaps-event', iapsEventRecordSchema],
  ] as const)('the zod schema of %s has exactly the fields of its Avro schema', async (name, schema) => {
    expect(Object.keys(schema.shape).sort()).toEqual((await avroFields(name)).sort());
  });

  it.each([
    'person-allocation-details-reallocation.json',
    'event-allocation-details-reallocation-spo-oversight.json',
    'event-allocation-details-by-id.json',
    'requirement-allocation-details.json',
    'licence-condition-allocation-details.json',
  ])('carries the detail of %s through Avro unchanged', async (file) => {
    const allocation = parseAllocationDetail(await readExample(file));
    const event = {
      messageId: 'm-1',
      eventType: 'x',
      version: 1,
      detailUrl: 'http://127.0.0.1/allocation',
      occurredAt: null,
      description: null,
      crn: 'T123456',
      personReference: null,
      additionalInformation: null,
      publishedAt: 1,
    };
    const record = toAllocationRecord(event, allocation, 2);
    const type = avro.Type.forSchema(
      JSON.parse(await readFile(path.join(schemasDir, 'allocation.avsc'), 'utf8')) as avro.Schema,
    );
    const decoded = allocationRecordSchema.parse(type.fromBuffer(type.toBuffer(record)));
    expect(allocationDetailOf(decoded)).toEqual(allocation);
    // A person allocation is keyed by the person it changes (S2); the others by the message CRN.
    expect(allocationKey(decoded)).toBe(allocation.kind === 'PERSON' ? allocation.detail.crn : 'T123456');
  });
});
