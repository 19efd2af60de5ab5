// The parts of node-oracledb's thin driver that the Oracle double stands beside. They are loaded through the
// test's own module registry (the same one Sequelize loads `oracledb` from), so that the double patches the very
// classes the service's connections are made of. Typed here only as far as the double uses them.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.dirname(require.resolve('oracledb/package.json'));
const load = (file: string): unknown => require(path.join(root, 'lib', file));

export interface DbType {
  readonly _oraTypeNum: number;
  readonly name: string;
}

export interface BindVariable {
  readonly type: DbType;
  readonly values: unknown[];
  readonly maxSize?: number;
}

export interface BindInfo {
  readonly bindName?: string;
  readonly isReturnBind: boolean;
  readonly bindVar: BindVariable;
}

export interface QueryVariable {
  readonly type: DbType;
  readonly fetchInfo: { readonly dbType: DbType };
}

export interface ThinStatement {
  readonly sql: string;
  readonly isQuery: boolean;
  readonly isPlSql: boolean;
  readonly isDml: boolean;
  readonly isDdl: boolean;
  readonly isReturning: boolean;
  readonly requiresDefine: boolean;
  readonly cursorId: number;
  readonly bindInfoList: readonly BindInfo[];
  readonly queryVars?: readonly QueryVariable[];
}

/** One request as the driver encoded it: the fields of its message the double answers from. */
export interface ThinMessage {
  readonly functionCode: number;
  readonly statement?: ThinStatement;
  readonly options?: {
    readonly autoCommit?: boolean;
    readonly prefetchRows?: number;
    readonly fetchArraySize?: number;
  };
  readonly numExecs?: number;
  readonly offset?: number;
}

/** A byte writer with Oracle's wire encodings (the driver's own GrowableBuffer). */
export interface WireWriter {
  pos: number;
  buf: Buffer;
  writeUInt8(value: number): void;
  writeUB2(value: number): void;
  writeUB4(value: number): void;
  writeUB8(value: number): void;
  writeSB4(value: number): void;
  writeBytesWithLength(value: Buffer): void;
  writeOracleNumber(value: string): void;
}

export interface OracleErrors {
  transformErr(error: Error): Error & { code?: string; errorNum?: number };
}

export const thinConnectionClass = load('thin/connection.js') as {
  prototype: Record<string, unknown> & { connect(params: unknown): Promise<void> };
};
export const ProtocolClass = load('thin/protocol/protocol.js') as new (connection: unknown) => Record<
  string,
  unknown
> & {
  caps: Record<string, unknown>;
  _encodeMessage(message: ThinMessage): Promise<void>;
};
export const StatementCacheClass = load('thin/statementCache.js') as new (size: number) => unknown;
export const GrowableBufferClass = (
  load('impl/datahandlers/buffer.js') as {
    GrowableBuffer: new (initializer: undefined, caps: unknown) => WireWriter;
  }
).GrowableBuffer;
export const oracleErrors = load('errors.js') as OracleErrors;
export const wire = load('thin/protocol/constants.js') as Record<string, number>;

export const wireConstant = (name: string): number => {
  const value = wire[name];
  if (value === undefined) throw new Error(`node-oracledb has no protocol constant ${name}`);
  return value;
};
