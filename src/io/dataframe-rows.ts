// Plain-object rows into a DataFrame: checking fromRows' `schema` option, inferring the columns, and slicing the
// rows into column batches of ROW_GROUP_ROWS for the Parquet writer (a row without a key holds null there).
import { InvalidOptionError, SerializationError } from "../errors/index.js";
import { COLUMN_TYPES, describeValue, isPlainObject, typeOfValue, widenType } from "./dataframe-types.js";
import type { DataFrameColumn, DataFrameColumnType } from "./dataframe-types.js";
import { ROW_GROUP_ROWS } from "./dataframe-writer.js";
import type { ColumnBatch } from "./dataframe-writer.js";

const SUPPORTED = "boolean, number, bigint, string, Date, Uint8Array, or a plain object/array (json)";

/** The rows as column batches, in the order of `columns`. */
export function rowBatches(rows: readonly Record<string, unknown>[], columns: readonly DataFrameColumn[]): Iterable<ColumnBatch> {
  function* batches(): Generator<ColumnBatch> {
    for (let start = 0; start < rows.length; start += ROW_GROUP_ROWS) {
      const end = Math.min(start + ROW_GROUP_ROWS, rows.length);
      yield columns.map(({ name }) => {
        const values = new Array<unknown>(end - start);
        // A row without a "constructor" key must not yield Object.prototype.constructor.
        if (name in Object.prototype) {
          for (let r = start; r < end; r++) values[r - start] = Object.hasOwn(rows[r]!, name) ? rows[r]![name] : null;
        } else {
          for (let r = start; r < end; r++) values[r - start] = rows[r]![name];
        }
        return values;
      });
    }
  }
  return batches();
}

/** fromRows' `schema` option, checked: an object of column name → column type. */
export function checkSchema(schema: unknown): Readonly<Record<string, DataFrameColumnType>> {
  if (schema === undefined) return {};
  if (!isPlainObject(schema)) {
    throw new InvalidOptionError("DataFrame.fromRows: options.schema must be an object of column name → type");
  }
  for (const [name, type] of Object.entries(schema)) {
    if (!COLUMN_TYPES.includes(type as DataFrameColumnType)) {
      throw new InvalidOptionError(
        `DataFrame.fromRows: options.schema[${JSON.stringify(name)}] is ${JSON.stringify(type)}; ` +
          `use one of ${COLUMN_TYPES.join(", ")}`,
      );
    }
  }
  return schema as Record<string, DataFrameColumnType>;
}

/**
 * Infers the columns of plain-object rows: names in order of first appearance (then `schema` names no row has),
 * the narrowest type holding every value (or the declared one), nullable when a row has null, undefined or no
 * such key.
 */
export function inferColumns(
  rows: readonly unknown[],
  schema: Readonly<Record<string, DataFrameColumnType>>,
  what: string,
): DataFrameColumn[] {
  // One state object per column, so each value costs a single Map lookup.
  const states = new Map<string, { type: DataFrameColumnType | undefined; filled: number; declared: boolean }>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isPlainObject(row)) {
      throw new SerializationError(`${what}: row ${i} is ${describeValue(row)}; pass an array of plain objects`);
    }
    for (const name of Object.keys(row)) {
      const v = row[name];
      let state = states.get(name);
      if (state === undefined) {
        const declared = Object.hasOwn(schema, name);
        state = { type: declared ? schema[name] : undefined, filled: 0, declared };
        states.set(name, state);
      }
      if (v === null || v === undefined) continue;
      state.filled++;
      if (state.declared) continue; // declared types are checked while converting
      const type = typeOfValue(v);
      if (type === undefined) {
        throw new SerializationError(`${what}: column "${name}" row ${i} holds ${describeValue(v)}; use ${SUPPORTED}`);
      }
      if (type === state.type) continue;
      const widened = state.type === undefined ? type : widenType(state.type, type);
      if (widened === undefined) {
        throw new SerializationError(
          `${what}: column "${name}" holds ${state.type} and ${type} values (row ${i}); use one type per column ` +
            `or declare it with options.schema, e.g. { ${JSON.stringify(name)}: "json" }`,
        );
      }
      state.type = widened;
    }
  }
  for (const [name, type] of Object.entries(schema)) {
    if (!states.has(name)) states.set(name, { type, filled: 0, declared: true });
  }
  return [...states].map(([name, state]) => ({
    name,
    // A column with only nulls still needs a Parquet type; string is the most widely readable.
    type: state.type ?? "string",
    nullable: state.filled < rows.length,
  }));
}
