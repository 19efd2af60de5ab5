// Records written straight to the service's topics, past the connector, as a producer the service does not
// know could: each must end on the dead-letter topic with its reason, and the stage must go on.
import type { Message } from 'kafkajs';
import type { Ending } from './hostile-messages.ts';

export interface HostileRecord {
  readonly id: string;
  readonly category: string;
  readonly ending: Ending;
  readonly topic: string;
  readonly message: Message;
}

/** A Confluent-framed value: magic byte, schema id, then `payload`. */
function framed(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

/**
 * `perKind` of each kind for each topic: a key far longer than a CRN, a value that is not Avro, a tombstone,
 * twenty thousand headers, and a framed value whose first length declares about a billion (a string or array
 * the bytes do not hold; whichever the schema's first field is, it is refused before any reader allocates).
 */
export function hostileRecords(
  topics: readonly { readonly topic: string; readonly schemaId: number }[],
  perKind: number,
): HostileRecord[] {
  const records: HostileRecord[] = [];
  let serial = 0;
  const add = (topic: string, category: string, message: (id: string) => Message) => {
    serial += 1;
    const id = `hostile-record-${String(serial).padStart(5, '0')}`;
    records.push({
      id,
      category: `straight to a topic: ${category}`,
      ending: 'dead-letter',
      topic,
      message: message(id),
    });
  };
  for (const { topic, schemaId } of topics) {
    for (let index = 0; index < perKind; index += 1) {
      add(topic, 'a 10 KB key', (id) => ({
        key: 'K'.repeat(10_000),
        value: Buffer.from('x'),
        headers: { 'message-id': id },
      }));
      add(topic, 'a value that is not Avro', (id) => ({
        key: 'X123456',
        value: Buffer.from('not Avro'),
        headers: { 'message-id': id },
      }));
      add(topic, 'a tombstone', (id) => ({ key: 'X123456', value: null, headers: { 'message-id': id } }));
      add(topic, '20,000 headers', (id) => {
        const headers: Record<string, string> = { 'message-id': id };
        for (let header = 0; header < 20_000; header += 1) headers[`h-${header}`] = 'x';
        return { key: 'X123456', value: Buffer.from('x'), headers };
      });
      // Zigzag varint 0xfe 0xff 0xff 0xff 0x07: a length of 1,073,741,823 after a union index of 0.
      add(topic, 'Avro declaring a billion', (id) => ({
        key: 'X123456',
        value: framed(schemaId, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x07, 0xfe, 0xff, 0xff, 0xff, 0x07])),
        headers: { 'message-id': id },
      }));
    }
  }
  return records;
}
