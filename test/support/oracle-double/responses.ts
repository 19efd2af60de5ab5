/* eslint-disable @typescript-eslint/no-base-to-string -- the double passes on driver values of any kind as text, raises ORA- answers as plain records, and wraps the driver's own methods */
// The Oracle server's answers, written in the TTC wire format that node-oracledb's thin driver decodes (the
// field order of its messages/base.js, withData.js and execute.js). Each answer is the byte stream of one
// response; `packetOf` wraps it as the data packet the driver's network session hands to its reader.
import { GrowableBufferClass, wireConstant, type DbType, type WireWriter } from './driver-internals.ts';

export type ColumnType = 'NUMBER' | 'VARCHAR2' | 'DATE' | 'TIMESTAMP' | 'CLOB';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** An ORA- error as the server reports it: its number, and the message text with its prefix. */
export interface OracleError {
  readonly num: number;
  readonly message: string;
}

const oraTypeNumber: Record<ColumnType, number> = {
  NUMBER: wireConstant('TNS_DATA_TYPE_NUMBER'),
  VARCHAR2: wireConstant('TNS_DATA_TYPE_VARCHAR'),
  DATE: wireConstant('TNS_DATA_TYPE_DATE'),
  TIMESTAMP: wireConstant('TNS_DATA_TYPE_TIMESTAMP'),
  CLOB: wireConstant('TNS_DATA_TYPE_CLOB'),
};
/** The most bytes a value of each type takes on the wire, as a describe gives it. */
const maxSize: Record<ColumnType, number> = { NUMBER: 22, VARCHAR2: 4000, DATE: 7, TIMESTAMP: 11, CLOB: 0 };

export class ResponseWriter {
  readonly out: WireWriter;
  /**
   * @param ltzShiftMinutes what turns a DATE's wall clock into the fields of the same moment in DBTIMEZONE, as
   * Oracle sends a TIMESTAMP WITH LOCAL TIME ZONE: DBTIMEZONE's offset less the session time zone's.
   */
  private readonly ltzShiftMinutes: number;
  constructor(caps: unknown, ltzShiftMinutes = 0) {
    this.ltzShiftMinutes = ltzShiftMinutes;
    this.out = new GrowableBufferClass(undefined, caps);
  }

  bytes(): Buffer {
    return Buffer.from(this.out.buf.subarray(0, this.out.pos));
  }

  /** The columns of a query (TNS_MSG_TYPE_DESCRIBE_INFO). */
  describe(columns: readonly Column[]): void {
    const out = this.out;
    out.writeUInt8(wireConstant('TNS_MSG_TYPE_DESCRIBE_INFO'));
    out.writeUInt8(0); // chunked bytes: none
    out.writeUB4(0); // max row size
    out.writeUB4(columns.length);
    if (columns.length > 0) out.writeUInt8(0);
    for (const column of columns) {
      const isText = column.type === 'VARCHAR2' || column.type === 'CLOB';
      out.writeUInt8(oraTypeNumber[column.type]);
      out.writeUInt8(0); // flags
      out.writeUInt8(0); // precision
      out.writeUInt8(0); // scale
      out.writeUB4(maxSize[column.type]);
      out.writeUB4(0); // max array elements
      out.writeUB8(0); // cont flags
      out.writeUB4(0); // OID
      out.writeUB2(0); // version
      out.writeUB2(isText ? wireConstant('TNS_CHARSET_UTF8') : 0);
      out.writeUInt8(isText ? wireConstant('CSFRM_IMPLICIT') : 0);
      out.writeUB4(column.type === 'VARCHAR2' ? 4000 : 0); // size
      if (this.fieldVersion() >= wireConstant('TNS_CCAP_FIELD_VERSION_12_2')) out.writeUB4(0); // oaccolid
      out.writeUInt8(1); // nullable
      out.writeUInt8(0); // v7 length of name
      this.text(column.name);
      out.writeUB4(0); // schema
      out.writeUB4(0); // type name
      out.writeUB2(0); // column position
      out.writeUB4(0); // uds flags
    }
    out.writeUB4(0); // current date
    out.writeUB4(0); // dcbflag
    out.writeUB4(0); // dcbmdbz
    out.writeUB4(0); // dcbmnpr
    out.writeUB4(0); // dcbmxpr
    out.writeUB4(0);
  }

  /** One row of a query, each value in the type the driver will read it as. */
  row(values: readonly unknown[], types: readonly DbType[], longTrailer: readonly boolean[]): void {
    this.out.writeUInt8(wireConstant('TNS_MSG_TYPE_ROW_DATA'));
    values.forEach((value, index) => {
      this.value(value, types[index] as DbType);
      if (longTrailer[index]) {
        this.out.writeSB4(0); // null indicator
        this.out.writeUB4(0); // return code
      }
    });
  }

  /** The out binds of RETURNING … INTO: for each, the values of every row the statement touched. */
  returning(columns: readonly (readonly unknown[])[], types: readonly DbType[]): void {
    this.out.writeUInt8(wireConstant('TNS_MSG_TYPE_ROW_DATA'));
    columns.forEach((values, index) => {
      this.out.writeUB4(values.length);
      for (const value of values) {
        this.value(value, types[index] as DbType);
        this.out.writeSB4(0); // actual number of bytes: all of them
      }
    });
  }

  /**
   * The out binds of a PL/SQL block: each bind's direction (TNS_MSG_TYPE_IO_VECTOR), then the values of those
   * that are out (one row of data).
   */
  plsqlOutBinds(
    directions: readonly number[],
    values: readonly unknown[],
    types: readonly DbType[],
    perRow: boolean,
  ): void {
    const out = this.out;
    out.writeUInt8(wireConstant('TNS_MSG_TYPE_IO_VECTOR'));
    out.writeUInt8(0); // flag
    out.writeUB2(directions.length % 256); // number of requests
    out.writeUB4(Math.trunc(directions.length / 256)); // iteration number
    out.writeUB4(0); // iterations this time
    out.writeUB2(0); // uac buffer length
    out.writeUB2(0); // bit vector
    out.writeUB2(0); // rowid
    for (const direction of directions) out.writeUInt8(direction);
    out.writeUInt8(wireConstant('TNS_MSG_TYPE_ROW_DATA'));
    values.forEach((value, index) => {
      if (perRow) out.writeUB4(1);
      this.value(value, types[index] as DbType);
      out.writeSB4(0);
    });
  }

  /** The end of a call (TNS_MSG_TYPE_ERROR): status, cursor, rows affected, and the error if there was one. */
  endOfCall(options: {
    readonly cursorId: number;
    readonly rowCount: number;
    readonly transactionInProgress: boolean;
    readonly error?: OracleError;
  }): void {
    const out = this.out;
    out.writeUInt8(wireConstant('TNS_MSG_TYPE_ERROR'));
    out.writeUB4(options.transactionInProgress ? wireConstant('TNS_EOCS_FLAGS_TXN_IN_PROGRESS') : 0);
    out.writeUB2(0); // end to end seq number
    out.writeUB4(0); // current row number
    out.writeUB2(0); // error number
    out.writeUB2(0); // array elem error
    out.writeUB2(0); // array elem error
    out.writeUB2(options.cursorId);
    out.writeUInt8(0); // error position
    for (let i = 0; i < 6; i++) out.writeUInt8(0); // sql type, fatal, flags, cursor options, UPI, warning
    out.writeUB4(0); // rowid: rba
    out.writeUB2(0); // partition
    out.writeUInt8(0);
    out.writeUB4(0); // block
    out.writeUB2(0); // slot
    out.writeUB4(0); // OS error
    out.writeUInt8(0); // statement error
    out.writeUInt8(0); // call number
    out.writeUB2(0); // padding
    out.writeUB4(0); // success iters
    out.writeUB4(0); // logical rowid
    out.writeUB2(0); // batch errors
    out.writeUB4(0); // batch offsets
    out.writeUB2(0); // batch messages
    out.writeUB4(options.error?.num ?? 0);
    out.writeUB8(options.rowCount);
    if (this.fieldVersion() >= wireConstant('TNS_CCAP_FIELD_VERSION_20_1')) {
      out.writeUB4(0);
      out.writeUB4(0);
    }
    if (options.error) this.out.writeBytesWithLength(Buffer.from(`${options.error.message}\n`));
  }

  private fieldVersion(): number {
    return Number((this.out as unknown as { caps: { ttcFieldVersion: number } }).caps.ttcFieldVersion);
  }

  private text(value: string): void {
    const bytes = Buffer.from(value);
    this.out.writeUB4(bytes.length);
    this.out.writeBytesWithLength(bytes);
  }

  private value(value: unknown, type: DbType): void {
    const out = this.out;
    if (value === null || value === undefined || value === '') {
      out.writeUInt8(0);
      return;
    }
    switch (type._oraTypeNum) {
      case oraTypeNumber.NUMBER:
        out.writeOracleNumber(typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
        return;
      case oraTypeNumber.VARCHAR2:
      case wireConstant('TNS_DATA_TYPE_LONG'):
      case wireConstant('TNS_DATA_TYPE_CHAR'):
        out.writeBytesWithLength(Buffer.from(value instanceof Date ? value.toISOString() : String(value)));
        return;
      case oraTypeNumber.DATE:
      case oraTypeNumber.TIMESTAMP:
      case wireConstant('TNS_DATA_TYPE_TIMESTAMP_LTZ'): {
        // Oracle DATE: century and year (excess 100), month, day, and hour, minute, second (excess 1); a
        // TIMESTAMP adds its fraction as nanoseconds in four bytes. The database's values are wall-clock times
        // held as UTC fields.
        if (!(value instanceof Date))
          throw new Error(`the Oracle double cannot send ${typeof value} as a DATE`);
        if (type._oraTypeNum !== oraTypeNumber.DATE)
          value = new Date(value.getTime() + this.ltzShiftMinutes * 60_000);
        const year = (value as Date).getUTCFullYear();
        const withFraction = type._oraTypeNum === oraTypeNumber.TIMESTAMP;
        out.writeUInt8(withFraction ? 11 : 7);
        for (const byte of [
          Math.trunc(year / 100) + 100,
          (year % 100) + 100,
          (value as Date).getUTCMonth() + 1,
          (value as Date).getUTCDate(),
          (value as Date).getUTCHours() + 1,
          (value as Date).getUTCMinutes() + 1,
          (value as Date).getUTCSeconds() + 1,
        ])
          out.writeUInt8(byte);
        if (withFraction) {
          const nanoseconds = (value as Date).getUTCMilliseconds() * 1_000_000;
          for (const shift of [24, 16, 8, 0]) out.writeUInt8((nanoseconds >>> shift) & 0xff);
        }
        return;
      }
      case oraTypeNumber.CLOB:
        // A CLOB out-bind of RETURNING … INTO: Oracle sends a LOB locator, which the double has no LOB to stand
        // behind; it sends "no LOB" (the service reads back only the keys it inserted: src/db/sequelize.ts).
        out.writeUB4(0);
        return;
      default:
        throw new Error(`the Oracle double cannot send a value as ${type.name}`);
    }
  }
}

let packetNumber = 0;

/** A data packet as node-oracledb's network session hands it on: an 8-byte header, data flags, the payload. */
export function packetOf(payload: Buffer): { buf: Buffer; num: number; type: number } {
  const header = Buffer.alloc(10);
  header.writeUInt32BE(payload.length + 10, 0);
  header.writeUInt8(wireConstant('TNS_PACKET_TYPE_DATA'), 4);
  header.writeUInt16BE(wireConstant('TNS_DATA_FLAGS_END_OF_RESPONSE'), 8);
  return {
    buf: Buffer.concat([header, payload]),
    num: packetNumber++,
    type: wireConstant('TNS_PACKET_TYPE_DATA'),
  };
}
