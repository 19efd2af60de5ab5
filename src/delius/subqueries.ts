import { literal, type ModelStatic, type Model } from 'sequelize';

/*
 * A check folded into another read as a subquery, so that it costs no round trip of its own (the statement
 * budget, docs/throughput.md). Built from the models' own table and column names, quoted by the dialect, so the
 * same text runs on Oracle and PostgreSQL; values are whole numbers or strings escaped by the dialect,
 * never spliced in as given.
 */

type AnyModel = ModelStatic<Model>;

function quote(model: AnyModel, name: string): string {
  return model.sequelize!.getQueryInterface().quoteIdentifier(name);
}

/** The Delius models name their tables without a schema (the connection's schema is the Delius one). */
function tableName(model: AnyModel): string {
  return model.tableName;
}

function column(model: AnyModel, attribute: string): string {
  const field = model.getAttributes()[attribute]?.field;
  if (!field) throw new Error(`${tableName(model)} has no attribute ${attribute}`);
  return quote(model, field);
}

function tableOf(model: AnyModel): string {
  return quote(model, tableName(model));
}

/**
 * A value of a subquery: a whole number, a string, the column of the outer read's row, or any of the values
 * another subquery (`selectOf`) reads.
 */
export type SubqueryValue =
  | number
  | string
  | { readonly outer: AnyModel; readonly attribute: string }
  | { readonly anyOf: ReturnType<typeof selectOf> };

function value(model: AnyModel, given: Exclude<SubqueryValue, { anyOf: unknown }>): string {
  if (typeof given === 'number') {
    if (!Number.isSafeInteger(given)) throw new Error(`not a whole number: ${given}`);
    return String(given);
  }
  if (typeof given === 'string') return model.sequelize!.escape(given);
  return `${tableOf(given.outer)}.${column(given.outer, given.attribute)}`;
}

function whereOf(model: AnyModel, where: Record<string, SubqueryValue>): string {
  const terms = Object.entries(where).map(([attribute, given]) =>
    typeof given === 'object' && 'anyOf' in given
      ? `${column(model, attribute)} IN ${String(given.anyOf.val)}`
      : `${column(model, attribute)} = ${value(model, given)}`,
  );
  return terms.length === 0 ? '1 = 1' : terms.join(' AND ');
}

/** `(SELECT COUNT(*) FROM model WHERE …)`, to read as a column of another query. */
export function countOf(model: AnyModel, where: Record<string, SubqueryValue>) {
  return literal(`(SELECT COUNT(*) FROM ${tableOf(model)} WHERE ${whereOf(model, where)})`);
}

/** `(SELECT attribute FROM model WHERE …)`, to compare with (`=` for one row, `IN` for many). */
export function selectOf(model: AnyModel, attribute: string, where: Record<string, SubqueryValue>) {
  return literal(
    `(SELECT ${column(model, attribute)} FROM ${tableOf(model)} WHERE ${whereOf(model, where)})`,
  );
}
