// patches/kafkajs+2.2.4.patch: kafkajs decodes a record's headers in linear time (its own code spread the
// headers object once per header: 10,000 headers held the event loop for half a minute). The decoding must
// still answer what kafkajs answered. How long it takes is measured by `npm run bench:headers`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Headers = Record<string, Buffer | Buffer[]>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  key: Buffer;
  value: Buffer;
  headers: Record<string, string | string[]>;
}) => { buffer: Buffer };
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: unknown,
  context: Record<string, unknown>,
) => { headers: Headers; key: Buffer; value: Buffer };

function roundTrip(headers: Record<string, string | string[]>): Headers {
  const { buffer } = encodeRecord({ key: Buffer.from('X123456'), value: Buffer.from('v'), headers });
  // The record's own length prefix is the batch's to read: skip it as the batch decoder does.
  const decoder = new Decoder(buffer) as { readVarInt(): number };
  decoder.readVarInt();
  return decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0' }).headers;
}
const text = (headers: Headers) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(String) : String(value),
    ]),
  );

describe('kafkajs decoding record headers (patched)', () => {
  it('is applied by the install', () => {
    const source = readFileSync(
      require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js'),
      'utf8',
    );
    expect(source).toContain('patches/kafkajs+2.2.4.patch');
  });

  it('answers each header by name, a repeated one as the list of its values in order', () => {
    const headers = roundTrip({ 'message-id': 'm-1', trace: ['a', 'b', 'c'], empty: '' });
    expect(text(headers)).toEqual({ 'message-id': 'm-1', trace: ['a', 'b', 'c'], empty: '' });
  });

  it('keeps a header named __proto__ as a header, never as the object’s prototype', () => {
    // JSON.parse makes an own property of it, as a producer sending that header does.
    const headers = roundTrip(
      JSON.parse('{"__proto__":["x","y"],"ordinary":"z"}') as Record<string, string[]>,
    );
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers).sort()).toEqual(['__proto__', 'ordinary']);
  });

  it('decodes twenty thousand distinct headers, every one', () => {
    const many = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, index) => [`h${index}`, String(index)]),
    );
    const headers = roundTrip(many);
    expect(Object.keys(headers)).toHaveLength(20_000);
    expect(String(headers['h19999'])).toBe('19999');
  });
});
