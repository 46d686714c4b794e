// Column types of a DataFrame and the value conversions around them: inferring a column's type from JS values,
// checking and converting values into what hyparquet-writer stores, and deriving types from any Parquet schema.
// Invariant: one type per column; null (and undefined, stored as null) is allowed in every column.
import type { SchemaElement, SchemaTree } from "hyparquet";
import { SerializationError } from "../errors/index.js";

/**
 * The type of a DataFrame column, and the JS values it holds (null in any column):
 * - `boolean`: boolean · `string`: string · `bytes`: Uint8Array · `json`: plain objects/arrays (stored as JSON)
 * - `int32`: integer numbers in int32 range · `float` / `double`: numbers (float is 32-bit, read from other files)
 * - `int64`: integers read back as number when safe (|n| ≤ 2^53 − 1), else as bigint
 * - `bigint`: bigint values, always read back as bigint
 * - `timestamp`: Date, stored with millisecond precision (UTC) · `date`: Date at midnight UTC (a calendar day)
 */
export type DataFrameColumnType =
  | "boolean"
  | "int32"
  | "int64"
  | "bigint"
  | "float"
  | "double"
  | "string"
  | "bytes"
  | "timestamp"
  | "date"
  | "json";

/** A column's name, type and whether it may hold nulls. */
export interface DataFrameColumn {
  readonly name: string;
  readonly type: DataFrameColumnType;
  readonly nullable: boolean;
}

export const COLUMN_TYPES: readonly DataFrameColumnType[] = [
  "boolean", "int32", "int64", "bigint", "float", "double", "string", "bytes", "timestamp", "date", "json",
];

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const NUMERIC: readonly DataFrameColumnType[] = ["int32", "int64", "double"];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)}`;
  if (typeof v === "number" || typeof v === "boolean") return `the ${typeof v} ${String(v)}`;
  if (typeof v === "bigint") return `the bigint ${v}n`;
  if (typeof v !== "object") return `a ${typeof v}`;
  const ctor: unknown = (Object.getPrototypeOf(v) as { constructor?: unknown } | null)?.constructor;
  if (Array.isArray(v)) return "an array";
  return typeof ctor === "function" && ctor.name && ctor !== Object ? `an instance of ${ctor.name}` : "an object";
}

/** The narrowest column type for one non-null value, or undefined when no column can hold it. */
export function typeOfValue(v: unknown): DataFrameColumnType | undefined {
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "bigint":
      return "bigint";
    case "number":
      // -0 and fractions need a double to round-trip; integers beyond 2^53 are already inexact doubles.
      if (!Number.isInteger(v) || Object.is(v, -0)) return "double";
      if (v >= INT32_MIN && v <= INT32_MAX) return "int32";
      return Number.isSafeInteger(v) ? "int64" : "double";
    case "object":
      if (v instanceof Date) return "timestamp";
      if (v instanceof Uint8Array) return "bytes";
      return Array.isArray(v) || isPlainObject(v) ? "json" : undefined;
    default:
      return undefined;
  }
}

/** The type holding values of both types, or undefined when they do not mix (e.g. string and number). */
export function widenType(a: DataFrameColumnType, b: DataFrameColumnType): DataFrameColumnType | undefined {
  if (a === b) return a;
  const ia = NUMERIC.indexOf(a);
  const ib = NUMERIC.indexOf(b);
  if (ia >= 0 && ib >= 0) return NUMERIC[Math.max(ia, ib)];
  // Integers mixed with bigints stay exact as bigints; a fraction among bigints has no exact type.
  if ((a === "bigint" && (b === "int32" || b === "int64")) || (b === "bigint" && (a === "int32" || a === "int64"))) {
    return "bigint";
  }
  return undefined;
}

function fail(what: string, column: DataFrameColumn, row: number, v: unknown, detail = ""): never {
  throw new SerializationError(
    `${what}: column "${column.name}" is ${column.type} but row ${row} holds ${describeValue(v)}${detail}`,
  );
}

/**
 * Checks and converts one column's values (in place) into what the Parquet writer stores: int64 and bigint as
 * bigint, nulls as null. `firstRow` is the row number of values[0], for error messages.
 */
export function toParquetValues(column: DataFrameColumn, values: unknown[], firstRow: number, what: string): unknown[] {
  const check = CHECKS[column.type];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (!column.nullable) fail(what, column, firstRow + i, v, "; the column is not nullable");
      values[i] = null;
      continue;
    }
    const converted = check(v);
    if (converted === INVALID) fail(what, column, firstRow + i, v);
    values[i] = converted;
  }
  return values;
}

const INVALID = Symbol("invalid");

function toInt64(v: unknown): unknown {
  if (typeof v === "bigint") return v >= INT64_MIN && v <= INT64_MAX ? v : INVALID;
  return typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : INVALID;
}

const CHECKS: Record<DataFrameColumnType, (v: unknown) => unknown> = {
  boolean: (v) => (typeof v === "boolean" ? v : INVALID),
  int32: (v) => {
    const n = typeof v === "bigint" ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? n : INVALID;
  },
  int64: toInt64,
  bigint: toInt64,
  float: (v) => (typeof v === "number" ? v : INVALID),
  double: (v) => (typeof v === "number" ? v : INVALID),
  string: (v) => (typeof v === "string" ? v : INVALID),
  bytes: (v) => (v instanceof Uint8Array ? v : INVALID),
  timestamp: (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : INVALID),
  date: (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : INVALID),
  json: (v) => (typeof v === "function" || typeof v === "symbol" ? INVALID : v),
};

/** The Parquet schema element a column is written with. */
export function schemaElementOf(column: DataFrameColumn): SchemaElement {
  const base = { name: column.name, repetition_type: column.nullable ? "OPTIONAL" : "REQUIRED" } as const;
  switch (column.type) {
    case "boolean":
      return { ...base, type: "BOOLEAN" };
    case "int32":
      return { ...base, type: "INT32" };
    case "int64":
    case "bigint":
      return { ...base, type: "INT64" };
    case "float":
      return { ...base, type: "FLOAT" };
    case "double":
      return { ...base, type: "DOUBLE" };
    case "string":
      return { ...base, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } };
    case "bytes":
      return { ...base, type: "BYTE_ARRAY" };
    case "timestamp":
      return {
        ...base,
        type: "INT64",
        converted_type: "TIMESTAMP_MILLIS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
      };
    case "date":
      return { ...base, type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } };
    case "json":
      return { ...base, type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" } };
  }
}

/** The column type of a top-level Parquet schema node (any writer's file); nested groups read as json. */
export function columnTypeOf(node: SchemaTree): DataFrameColumnType {
  const { type, converted_type: converted, logical_type: logical, repetition_type: repetition } = node.element;
  if (node.children.length > 0 || repetition === "REPEATED") return "json";
  const lt = logical?.type;
  if (converted === "DECIMAL" || lt === "DECIMAL") return "double";
  switch (type) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
      if (converted === "DATE" || lt === "DATE") return "date";
      if (converted === "UINT_32" || (logical?.type === "INTEGER" && logical.bitWidth === 32 && !logical.isSigned)) {
        return "int64";
      }
      return "int32";
    case "INT64":
      return converted === "TIMESTAMP_MILLIS" || converted === "TIMESTAMP_MICROS" || lt === "TIMESTAMP"
        ? "timestamp"
        : "int64";
    case "INT96":
      return "timestamp";
    case "FLOAT":
      return "float";
    case "DOUBLE":
      return "double";
    case "FIXED_LEN_BYTE_ARRAY":
      if (lt === "UUID") return "string";
      return lt === "FLOAT16" ? "float" : "bytes";
    default:
      if (converted === "UTF8" || converted === "ENUM" || lt === "STRING" || lt === "ENUM") return "string";
      if (converted === "JSON" || lt === "JSON" || lt === "GEOMETRY" || lt === "GEOGRAPHY") return "json";
      return "bytes";
  }
}

const utf8 = new TextDecoder();

/**
 * A function fixing up values hyparquet returns for a column, or undefined when they are already right:
 * int64 values become numbers when safe, and ENUM strings (left as bytes by hyparquet) are decoded.
 */
export function readFixOf(type: DataFrameColumnType): ((v: unknown) => unknown) | undefined {
  if (type === "int64") {
    return (v) => (typeof v === "bigint" && v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v);
  }
  if (type === "string") return (v) => (v instanceof Uint8Array ? utf8.decode(v) : v);
  if (type === "bigint") return (v) => (typeof v === "number" ? BigInt(v) : v);
  return undefined;
}
