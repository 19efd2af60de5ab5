import avro from 'avsc';
import { checkAvroBounds } from '../../src/kafka/avro-bounds.ts';
import { readAvroSchema, type AvroSchemaName } from '../../src/kafka/avro-schemas.ts';

const schemaOf = (name: AvroSchemaName) => JSON.parse(readAvroSchema(name)) as Record<string, unknown>;
const typeOf = (name: AvroSchemaName) => avro.Type.forSchema(schemaOf(name) as avro.Schema);

/** The domain-event schema with the person's identifiers declared as a long: its bytes are an array's count. */
function withIdentifiersAs(type: unknown): avro.Type {
  const schema = schemaOf('domain-event');
  const text = JSON.stringify(schema).replace(
    /\{"type":"array","items":\{"type":"record","name":"PersonIdentifier".*?\]\}\}/,
    JSON.stringify(type),
  );
  return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
}

/** A domain event with every optional field empty. */
const validEvent = () => ({
  messageId: 'm-1',
  eventType: 'person.community.manager.allocated',
  version: 1,
  detailUrl: null,
  occurredAt: null,
  description: null,
  crn: null,
  personReference: null,
  additionalInformation: null,
  publishedAt: null,
});

describe('the bounds of an Avro record, checked before it is read', () => {
  it.each(['domain-event', 'allocation', 'iaps-event'] as const)(
    'passes every record of the %s schema that a writer can make',
    (name) => {
      const type = typeOf(name);
      for (let index = 0; index < 200; index += 1)
        expect(() => checkAvroBounds(type, type.toBuffer(type.random()))).not.toThrow();
    },
  );

  it('refuses an array that declares half a billion items in a few bytes, before any reader allocates them', () => {
    const hostile = withIdentifiersAs('long').toBuffer({
      ...validEvent(),
      personReference: { identifiers: 500_000_000 },
    });
    expect(hostile.length).toBeLessThan(2_000);
    expect(() => checkAvroBounds(typeOf('domain-event'), hostile)).toThrow(
      expect.objectContaining({
        code: 'invalid-message',
        message: expect.stringContaining('an array of 500000000 items') as string,
      }) as Error,
    );
  });

  it('refuses a string that declares more bytes than the record holds', () => {
    const hostile = withIdentifiersAs({ type: 'array', items: 'long' }).toBuffer({
      ...validEvent(),
      // One item whose first string length (a record of two strings, read as longs) is a billion.
      personReference: { identifiers: [1_000_000_000, 0] },
    });
    expect(() => checkAvroBounds(typeOf('domain-event'), hostile)).toThrow(/a string of 1000000000 bytes/);
  });

  it('refuses a record cut short, and one with bytes left over', () => {
    const type = typeOf('iaps-event');
    const bytes = type.toBuffer(type.random());
    expect(() => checkAvroBounds(type, bytes.subarray(0, bytes.length - 1))).toThrow(
      /the record declares more than it holds/,
    );
    expect(() => checkAvroBounds(type, Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
      /1 bytes left over/,
    );
  });

  it('refuses a union branch the schema does not have', () => {
    const type = typeOf('domain-event');
    const bytes = type.toBuffer({ ...validEvent(), personReference: { identifiers: [] } });
    // personReference's branch (index 1, zig-zag 0x02), its empty identifiers, and two empty unions after it.
    const index = bytes.length - 4;
    expect(bytes.subarray(index)).toEqual(Buffer.from([0x02, 0x00, 0x00, 0x00]));
    const hostile = Buffer.from(bytes);
    hostile[index] = 0x04; // branch 2 of [null, PersonReference]
    expect(() => checkAvroBounds(type, hostile)).toThrow(/union branch/);
  });
});
