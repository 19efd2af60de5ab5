// `npm run bench:headers`: how long kafkajs takes to decode one record's headers, by their number, with the
// patch beside the dependency (patches/kafkajs+2.2.4.patch) and with the decoding it replaced, in one run.
// Linear decoding doubles its time when the headers double; the replaced one quadruples it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => {
  readVarInt(): number;
  readVarIntArray<T>(reader: (decoder: unknown) => T): T[];
};
const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (
  decoder: unknown,
) => { key: string; value: Buffer };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}) => { buffer: Buffer };
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: unknown,
  context: Record<string, unknown>,
) => unknown;

/** kafkajs 2.2.4's own header decoding, as the patch found it. */
function replacedDecoding(decoder: InstanceType<typeof Decoder>) {
  return decoder.readVarIntArray(HeaderDecoder).reduce<Record<string, unknown>>(
    (headers, { key, value }) => ({
      ...headers,
      [key]:
        headers[key] === undefined
          ? value
          : Array.isArray(headers[key])
            ? (headers[key] as unknown[]).concat([value])
            : [headers[key], value],
    }),
    {},
  );
}

function recordWith(count: number): Buffer {
  const headers = Object.fromEntries(Array.from({ length: count }, (_, index) => [`h${index}`, 'v']));
  return encodeRecord({ key: Buffer.from('X123456'), value: Buffer.from('v'), headers }).buffer;
}

function timeOf(decode: () => void): number {
  const startedAt = performance.now();
  decode();
  return performance.now() - startedAt;
}

const counts = [2_500, 5_000, 10_000];
const rows: string[] = [];
let previous: { patched: number; replaced: number } | undefined;
for (const count of counts) {
  const buffer = recordWith(count);
  const patched = timeOf(() => {
    const decoder = new Decoder(buffer);
    decoder.readVarInt();
    decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0' });
  });
  const replaced = timeOf(() => {
    // Past the record's length, attributes, timestamp and offset deltas, key and value, to its headers.
    const decoder = new Decoder(buffer) as InstanceType<typeof Decoder> & {
      readInt8(): number;
      readVarLong(): unknown;
      readVarIntBytes(): Buffer;
    };
    decoder.readVarInt();
    decoder.readInt8();
    decoder.readVarLong();
    decoder.readVarInt();
    decoder.readVarIntBytes();
    decoder.readVarIntBytes();
    replacedDecoding(decoder);
  });
  const growth = previous
    ? `  ×${(patched / previous.patched).toFixed(1)} patched, ×${(replaced / previous.replaced).toFixed(1)} replaced, as the headers double`
    : '';
  rows.push(
    `${String(count).padStart(6)} headers: patched ${patched.toFixed(1)} ms, replaced ${replaced.toFixed(0)} ms (${(replaced / patched).toFixed(0)}×)${growth}`,
  );
  previous = { patched, replaced };
}
for (const row of rows) console.log(row);
