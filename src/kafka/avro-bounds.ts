import type avro from 'avsc';
import { AppError } from '../domain/errors.ts';

/**
 * Reading Avro, a reader allocates what the bytes declare: an array of 500,000,000 items in a 124-byte record
 * made the processor run out of memory in a loop. So the bytes are walked first, against the writer's schema,
 * without keeping anything: every length and count must fit in what remains, and the whole walk is bounded by
 * the record's size. A record that fails is refused with its reason, before any reader sees it.
 */

/** More items than this in one record is not one the service wrote (a person has a handful of identifiers). */
const maxItems = 100_000;

/** The fewest bytes a value of the type takes (0 for null, or a record of nulls). */
function leastBytes(type: avro.Type, depth = 0): number {
  if (depth > 32) return 0;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avro.types.FixedType).size;
    case 'record':
    case 'error':
      return (type as avro.types.RecordType).fields.reduce(
        (sum, field) => sum + leastBytes(field.type, depth + 1),
        0,
      );
    default:
      // A number, a length, a union's index or a block count: at least one byte.
      return 1;
  }
}

class Walk {
  pos = 0;
  items = 0;
  readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  refuse(reason: string): never {
    throw new AppError('invalid-message', `the record declares more than it holds: ${reason}`);
  }

  /** A zig-zag varint, as Avro writes int and long. */
  long(): number {
    let value = 0;
    let shift = 0;
    for (let read = 0; read < 10; read += 1) {
      const byte = this.bytes[this.pos];
      if (byte === undefined) this.refuse(`a number runs past the end at byte ${this.pos}`);
      this.pos += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      shift += 7;
    }
    return this.refuse(`a number longer than 10 bytes at byte ${this.pos}`);
  }

  skip(length: number, what: string): void {
    if (length < 0 || this.pos + length > this.bytes.length)
      this.refuse(`${what} of ${length} bytes at byte ${this.pos}, of ${this.bytes.length}`);
    this.pos += length;
  }

  /**
   * A block count of an array or map: no more items than the bytes that remain can hold (when an item takes at
   * least a byte), and never more than `maxItems` in the record.
   */
  count(what: string, itemBytes: number): number {
    let count = this.long();
    if (count < 0) {
      count = -count;
      this.long(); // the block's size in bytes, which a reader may skip by
    }
    this.items += count;
    const remaining = this.bytes.length - this.pos;
    if ((itemBytes > 0 && count * itemBytes > remaining) || this.items > maxItems)
      this.refuse(`${what} of ${count} items at byte ${this.pos}, of ${this.bytes.length}`);
    return count;
  }

  value(type: avro.Type): void {
    const name = type.typeName;
    switch (name) {
      case 'null':
        return;
      case 'boolean':
        return this.skip(1, 'a boolean');
      case 'int':
      case 'long':
      case 'enum':
        this.long();
        return;
      case 'float':
        return this.skip(4, 'a float');
      case 'double':
        return this.skip(8, 'a double');
      case 'string':
      case 'bytes':
        return this.skip(this.long(), `a ${name}`);
      case 'fixed':
        return this.skip((type as avro.types.FixedType).size, 'a fixed');
      case 'record':
      case 'error':
        for (const field of (type as avro.types.RecordType).fields) this.value(field.type);
        return;
      case 'array': {
        const items = (type as avro.types.ArrayType).itemsType;
        const itemBytes = leastBytes(items);
        for (
          let count = this.count('an array', itemBytes);
          count > 0;
          count = this.count('an array', itemBytes)
        )
          for (let index = 0; index < count; index += 1) this.value(items);
        return;
      }
      case 'map': {
        const values = (type as avro.types.MapType).valuesType as avro.Type;
        // A key takes at least its length's byte.
        const itemBytes = 1 + leastBytes(values);
        for (let count = this.count('a map', itemBytes); count > 0; count = this.count('a map', itemBytes))
          for (let index = 0; index < count; index += 1) {
            this.skip(this.long(), 'a map key');
            this.value(values);
          }
        return;
      }
      case 'union:unwrapped':
      case 'union:wrapped': {
        const branches = (type as avro.types.UnwrappedUnionType).types;
        const branch = branches[this.long()];
        if (!branch) this.refuse(`a union branch that the schema does not have at byte ${this.pos}`);
        return this.value(branch);
      }
      default:
        // A logical type is read as its underlying type.
        if (name.startsWith('logical:'))
          return this.value((type as unknown as { underlyingType: avro.Type }).underlyingType);
        this.refuse(`a value of a type it cannot check (${name})`);
    }
  }
}

/** Throws an `invalid-message` AppError when the Avro bytes declare more than they hold against `type`. */
export function checkAvroBounds(type: avro.Type, payload: Buffer): void {
  const walk = new Walk(payload);
  walk.value(type);
  if (walk.pos !== payload.length)
    walk.refuse(`${payload.length - walk.pos} bytes left over after the value, of ${payload.length}`);
}
