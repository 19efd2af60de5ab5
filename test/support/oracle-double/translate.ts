// Oracle SQL, as Sequelize's Oracle dialect and the service send it, turned into PostgreSQL for the double's
// database. Only the constructs listed here are known; anything else is refused with a line that names it, so a
// statement the double does not understand fails its test instead of passing untranslated.

export class UntranslatableSql extends Error {
  constructor(construct: string, sql: string) {
    super(`the Oracle double does not know ${construct} in: ${sql.slice(0, 400)}`);
  }
}

/** What a statement asks for: SQL to run on PostgreSQL, or an effect on the Oracle session itself. */
export type Translation =
  | {
      readonly kind: 'sql';
      readonly text: string;
      /** For each `$n` in order, the index of the driver's bind it takes its value from. */
      readonly parameters: readonly number[];
      /** The driver's binds that RETURNING … INTO fills, in the order of the RETURNING columns. */
      readonly returnBinds: readonly number[];
      /** Takes a row lock or writes: the session then has a transaction in progress. */
      readonly writes: boolean;
    }
  | {
      /** Sequelize's Oracle upsert: the UPDATE, and the INSERT when it touched no row; `:isUpdate` says which. */
      readonly kind: 'upsert';
      readonly update: Extract<Translation, { kind: 'sql' }>;
      readonly insert: Extract<Translation, { kind: 'sql' }>;
      readonly isUpdateBind: number;
    }
  | { readonly kind: 'alter-session'; readonly settings: ReadonlyMap<string, string> }
  | { readonly kind: 'set-transaction'; readonly isolation: string }
  | { readonly kind: 'set-client-identifier'; readonly bind: number }
  | { readonly kind: 'dbtimezone' };

interface Token {
  readonly type: 'space' | 'word' | 'quoted' | 'string' | 'number' | 'bind' | 'symbol';
  readonly text: string;
}

const tokenPattern =
  /(\s+|--[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"]|"")*")|('(?:[^']|'')*')|(:(?:[A-Za-z_][A-Za-z0-9_$#]*|\d+))|([A-Za-z_][A-Za-z0-9_$#]*)|(\d+(?:\.\d+)?)|(<>|!=|<=|>=|\|\||\(\+\)|[(),.*=<>+\-/;])/y;

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < sql.length) {
    const at = tokenPattern.lastIndex;
    const match = tokenPattern.exec(sql);
    if (!match) throw new UntranslatableSql(`the text at "${sql.slice(at, at + 20)}"`, sql);
    const [text, space, quoted, string, bind, word, number] = match;
    const type = space
      ? 'space'
      : quoted
        ? 'quoted'
        : string
          ? 'string'
          : bind
            ? 'bind'
            : word
              ? 'word'
              : number
                ? 'number'
                : 'symbol';
    tokens.push({ type, text });
  }
  return tokens;
}

/** Words that stay words: SQL keywords the service's statements use, written alike in both dialects. */
const keywords = new Set(
  `SELECT FROM WHERE AND OR NOT NULL IS IN AS ON JOIN LEFT RIGHT INNER OUTER FULL CROSS ORDER BY ASC DESC GROUP
   HAVING INSERT INTO VALUES UPDATE SET DELETE RETURNING CASE WHEN THEN ELSE END EXISTS DISTINCT BETWEEN LIKE
   ESCAPE OFFSET ROWS ROW FETCH NEXT FIRST ONLY FOR OF NOWAIT SKIP LOCKED UNION ALL ANY TRUE FALSE NULLS LAST`
    .split(/\s+/)
    .filter(Boolean),
);
/** Functions that mean the same in both. */
const functions = new Set(['COUNT', 'SUM', 'MIN', 'MAX', 'COALESCE', 'UPPER', 'LOWER', 'TRIM', 'LENGTH']);
/** Oracle's own words that PostgreSQL lacks or means otherwise: refused, never passed through as a column name. */
const oracleOnly = new Set([
  'ROWNUM',
  'ROWID',
  'SYSDATE',
  'SYSTIMESTAMP',
  'CURRENT_DATE',
  'LOCALTIMESTAMP',
  'LEVEL',
  'CONNECT',
  'PRIOR',
  'MERGE',
  'DECODE',
  'MINUS',
  'DUAL',
  // Compared with a DATE column, Oracle converts the column to a TIMESTAMP WITH TIME ZONE at the *session's*
  // zone, row by row. The service compares DATEs with DATEs (TO_DATE); the double does not model the other.
  'TO_TIMESTAMP_TZ',
]);
const dateMask = 'YYYY-MM-DD HH24:MI:SS';
const timestampMask = 'YYYY-MM-DD HH24:MI:SS.FF3';

export function translate(sql: string): Translation {
  const compact = sql.trim().replace(/\s+/g, ' ');
  let match: RegExpExecArray | null;
  if ((match = /^ALTER SESSION SET (.+)$/i.exec(compact))) return alterSession(match[1] ?? '', sql);
  if ((match = /^SET TRANSACTION ISOLATION LEVEL (READ COMMITTED|SERIALIZABLE)$/i.exec(compact)))
    return { kind: 'set-transaction', isolation: (match[1] ?? '').toUpperCase() };
  if (/^SELECT DBTIMEZONE FROM DUAL$/i.test(compact)) return { kind: 'dbtimezone' };
  if (/^BEGIN PKG_VPD_CTX\.SET_CLIENT_IDENTIFIER\(\s*:[A-Za-z0-9_]+\s*\); END;$/i.test(compact))
    return { kind: 'set-client-identifier', bind: 0 };
  if ((match = /^BEGIN PKG_TRIGGERSUPPORT\.PROCREBUILDOPTTABLES\((.+)\); END;$/i.exec(compact)))
    return { ...statement(`SELECT "PROCREBUILDOPTTABLES"(${match[1] ?? ''})`, sql), writes: true };
  if (
    (match =
      /^DECLARE BEGIN (UPDATE .+?); IF \( SQL%ROWCOUNT = 0 \) THEN (INSERT .+?); :isUpdate := 0; ELSE :isUpdate := 1; END IF; END;$/i.exec(
        compact,
      ))
  ) {
    const update = statement(match[1] ?? '', sql);
    const insert = statement(match[2] ?? '', sql, update.parameters.length + update.returnBinds.length);
    return {
      kind: 'upsert',
      update,
      insert,
      isUpdateBind:
        update.parameters.length +
        update.returnBinds.length +
        insert.parameters.length +
        insert.returnBinds.length,
    };
  }
  if (/^(BEGIN|DECLARE)\b/i.test(compact)) throw new UntranslatableSql('this PL/SQL block', sql);
  if (!/^(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(compact))
    throw new UntranslatableSql('this kind of statement', sql);
  return statement(sql, sql);
}

function alterSession(text: string, sql: string): Translation {
  const settings = new Map<string, string>();
  const setting = /\s*([A-Z_]+)\s*=\s*('(?:[^']|'')*'|[A-Z_]+)/giy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = setting.exec(text))) {
    const value = match[2] ?? '';
    settings.set((match[1] ?? '').toUpperCase(), value.startsWith("'") ? value.slice(1, -1) : value);
    consumed = setting.lastIndex;
  }
  if (text.slice(consumed).trim() !== '') throw new UntranslatableSql('this ALTER SESSION setting', sql);
  return { kind: 'alter-session', settings };
}

/** A SELECT, INSERT, UPDATE or DELETE; its binds are the driver's from `firstBind` on, in order. */
function statement(source: string, original: string, firstBind = 0): Extract<Translation, { kind: 'sql' }> {
  const tokens = tokenize(source);
  const out: string[] = [];
  const parameters: number[] = [];
  const returnBinds: number[] = [];
  let bindIndex = firstBind;
  let returningInto = false;
  const next = (from: number) => {
    let index = from + 1;
    while (tokens[index]?.type === 'space') index++;
    return index;
  };
  const upper = (token: Token | undefined) => token?.text.toUpperCase();
  const head = upper(tokens.find((token) => token.type !== 'space'));
  let writes = head === 'INSERT' || head === 'UPDATE' || head === 'DELETE';

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as Token;
    const word = token.type === 'word' ? token.text.toUpperCase() : undefined;
    if (returningInto) {
      if (token.type === 'bind') returnBinds.push(bindIndex++);
      else if (token.type !== 'space' && token.text !== ',')
        throw new UntranslatableSql(`"${token.text}" after RETURNING … INTO`, original);
      continue;
    }
    if (token.type === 'bind') {
      parameters.push(bindIndex++);
      out.push(`$${parameters.length}`);
      continue;
    }
    if (token.text === '(+)') throw new UntranslatableSql('the (+) outer join', original);
    if ((token.type === 'word' || token.type === 'quoted') && upper(tokens[next(index)]) === '.') {
      const after = next(next(index));
      if (upper(tokens[after]) === 'NEXTVAL') {
        const name = token.type === 'quoted' ? token.text.slice(1, -1) : token.text.toUpperCase();
        out.push(`nextval('"${name.replaceAll("'", "''")}"')`);
        index = after;
        continue;
      }
    }
    if (word === 'FROM' && upper(tokens[next(index)]) === 'DUAL') {
      index = next(index);
      continue;
    }
    if (word === 'INTO' && out.some((text) => text.toUpperCase() === 'RETURNING')) {
      returningInto = true;
      continue;
    }
    if (word === 'FOR' && upper(tokens[next(index)]) === 'UPDATE') writes = true;
    if (word === 'TO_DATE' || word === 'TO_TIMESTAMP') {
      const call = functionCall(tokens, next(index), original);
      const [value, mask] = call.arguments;
      const maskText =
        mask?.length === 1 && mask[0]?.type === 'string' ? mask[0].text.slice(1, -1) : undefined;
      const expected = word === 'TO_DATE' ? dateMask : timestampMask;
      if (maskText !== expected || !value) throw new UntranslatableSql(`${word} with this mask`, original);
      // PostgreSQL's masks: the same fields, and MS for Oracle's three-digit fraction FF3.
      out.push(`to_timestamp(${inner(value)}, '${expected.replace('FF3', 'MS')}')::timestamp`);
      index = call.end;
      continue;
    }
    if (word === 'NVL' && upper(tokens[next(index)]) === '(') {
      out.push('coalesce');
      continue;
    }
    if (word !== undefined) {
      if (oracleOnly.has(word)) throw new UntranslatableSql(word, original);
      const isCall = upper(tokens[next(index)]) === '(';
      if (isCall && functions.has(word)) out.push(word);
      else if (keywords.has(word)) out.push(word);
      else if (isCall) throw new UntranslatableSql(`the function ${word}`, original);
      // Oracle folds an unquoted name to upper case, PostgreSQL to lower: quote it as Oracle would read it.
      else out.push(`"${word}"`);
      continue;
    }
    out.push(token.text);
  }
  return { kind: 'sql', text: out.join('').replace(/;\s*$/, ''), parameters, returnBinds, writes };

  // The text of a call's argument, translated on its own (binds inside it keep their order).
  function inner(argument: readonly Token[]): string {
    return argument
      .map((token) => {
        if (token.type === 'bind') {
          parameters.push(bindIndex++);
          return `$${parameters.length}`;
        }
        if (token.type === 'word')
          throw new UntranslatableSql(`"${token.text}" inside a date conversion`, original);
        return token.text;
      })
      .join('');
  }
}

/** The arguments of a call whose "(" is at `open`, split at its top-level commas, and where it ends. */
function functionCall(tokens: readonly Token[], open: number, sql: string) {
  if (tokens[open]?.text !== '(') throw new UntranslatableSql('a call without "("', sql);
  const args: Token[][] = [[]];
  let depth = 0;
  for (let index = open; index < tokens.length; index++) {
    const token = tokens[index] as Token;
    if (token.text === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (token.text === ')') {
      depth--;
      if (depth === 0)
        return { arguments: args.map((arg) => arg.filter((part) => part.type !== 'space')), end: index };
    } else if (token.text === ',' && depth === 1) {
      args.push([]);
      continue;
    }
    args[args.length - 1]?.push(token);
  }
  throw new UntranslatableSql('an unclosed call', sql);
}
