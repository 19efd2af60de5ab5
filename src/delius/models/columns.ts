import type { WallClock } from '../time.ts';
import type { Model } from 'sequelize';
import type { Literal } from 'sequelize/lib/utils';
import { DataTypes, type ModelAttributeColumnOptions, type ModelStatic, type Sequelize } from 'sequelize';

/**
 * One definition per table: its columns, from which both the Sequelize model and the row type are derived.
 * Table and column names are Delius's, upper case: Sequelize quotes identifiers, and Oracle stores unquoted
 * names in upper case, so `"OFFENDER_MANAGER"` is the real table there and the same name everywhere else.
 */
export interface Column<T> {
  readonly options: ModelAttributeColumnOptions;
  /** Oracle NUMBER ids exceed 2^31: BIGINT, read back as a JS number on every dialect. */
  readonly numeric: boolean;
  readonly __type?: T;
}

const column = <T>(options: ModelAttributeColumnOptions, numeric = false): Column<T> => ({
  options,
  numeric,
});

export const id = (field: string) =>
  column<number>({ type: DataTypes.BIGINT, primaryKey: true, field }, true);
/** A NOT NULL number; `primaryKey` marks a part of a composite key. */
export const key = (field: string, primaryKey = false) =>
  column<number>({ type: DataTypes.BIGINT, allowNull: false, primaryKey, field }, true);
export const optionalKey = (field: string) =>
  column<number | null>({ type: DataTypes.BIGINT, allowNull: true, field }, true);
/** NUMBER(1) holding 0 or 1. */
export const flag = (field: string, defaultValue = 0) =>
  column<number>({ type: DataTypes.INTEGER, allowNull: false, defaultValue, field }, true);
/** CHAR(1) holding Y or N. */
export const yesNo = (field: string) =>
  column<'Y' | 'N' | null>({ type: DataTypes.STRING(1), allowNull: true, field });
export const text = (field: string, length = 255) =>
  column<string>({ type: DataTypes.STRING(length), allowNull: false, field });
export const optionalText = (field: string, length = 255) =>
  column<string | null>({ type: DataTypes.STRING(length), allowNull: true, field });
export const clob = (field: string) =>
  column<string | null>({ type: DataTypes.TEXT, allowNull: true, field });
export const dateTime = (field: string, primaryKey = false) =>
  column<WallClock>({ type: DataTypes.DATE, allowNull: false, primaryKey, field });
/**
 * A Delius TIMESTAMP (fractions of a second) rather than a DATE (whole seconds): AUDITED_INTERACTION's
 * DATE_TIME, part of its key. Milliseconds are what a JS Date holds; the precision tells the Oracle binds apart.
 */
export const timestamp = (field: string, primaryKey = false) =>
  column<WallClock>({ type: DataTypes.DATE(3), allowNull: false, primaryKey, field });
export const optionalDateTime = (field: string) =>
  column<WallClock | null>({ type: DataTypes.DATE, allowNull: true, field });

/** The optimistic-lock version and who changed the row when, which every row the service writes carries. */
export const rowAuditColumns = () => ({
  rowVersion: key('ROW_VERSION'),
  createdDatetime: dateTime('CREATED_DATETIME'),
  lastUpdatedDatetime: dateTime('LAST_UPDATED_DATETIME'),
  createdByUserId: key('CREATED_BY_USER_ID'),
  lastUpdatedUserId: key('LAST_UPDATED_USER_ID'),
});

export type Columns = Record<string, Column<unknown>>;
export type Row<C extends Columns> = { -readonly [K in keyof C]: C[K] extends Column<infer T> ? T : never };
type NullableKeys<C extends Columns> = { [K in keyof C]: null extends Row<C>[K] ? K : never }[keyof C];
/**
 * What an insert must give: nullable columns may be left out, and an id may be a sequence's next value inside
 * the statement (dialect.ts, `idForInsert`).
 */
export type Creation<C extends Columns> = Omit<Row<C>, NullableKeys<C> | 'id'> &
  Partial<Pick<Row<C>, NullableKeys<C>>> &
  ('id' extends keyof C ? { id: Row<C>['id'] | Literal } : unknown);
export type DeliusModel<C extends Columns> = ModelStatic<Model<Row<C>, Creation<C>>>;

export function table<C extends Columns>(
  sequelize: Sequelize,
  tableName: string,
  columns: C,
): DeliusModel<C> {
  const attributes: Record<string, ModelAttributeColumnOptions> = {};
  for (const [name, definition] of Object.entries(columns)) {
    attributes[name] = definition.numeric
      ? {
          ...definition.options,
          get(this: Model) {
            const value: unknown = this.getDataValue(name);
            return value === null || value === undefined ? value : Number(value);
          },
        }
      : definition.options;
  }
  return sequelize.define(tableName, attributes, {
    tableName,
    timestamps: false,
    freezeTableName: true,
  });
}

/** A model instance as its typed row, with the numeric getters applied. */
export function plain<C extends Columns>(instance: Model<Row<C>, Creation<C>>): Row<C> {
  return instance.get({ plain: true });
}
