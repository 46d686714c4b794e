// Between Apache Arrow tables and DataFrame columns: which Arrow types map to which column types (both ways),
// and reading an Arrow table as column batches for the Parquet writer. Arrow field metadata "flyte.type" keeps
// what Arrow alone cannot say (bigint vs int64, json kept as text) so toArrow → fromArrow is lossless.
import { Binary, Bool, DataType, DateDay, Field, Float32, Float64, Int32, Int64, RecordBatch, Schema, Table } from "apache-arrow";
import { TimestampMillisecond, Utf8, vectorFromArray } from "apache-arrow";
import type { Vector } from "apache-arrow";
import { SerializationError } from "../errors/index.js";
import type { DataFrameColumn, DataFrameColumnType } from "./dataframe-types.js";
import { ROW_GROUP_ROWS } from "./dataframe-writer.js";
import type { ColumnBatch } from "./dataframe-writer.js";

const TYPE_KEY = "flyte.type";

interface ArrowColumn {
  type: DataFrameColumnType;
  /** Turns a value from `vector.get(i)` into what the column stores. */
  convert: (v: unknown) => unknown;
}

const same = (v: unknown): unknown => v;
const toDate = (v: unknown): unknown => (v === null || v === undefined ? null : new Date(Number(v)));

// Arrow rows, vectors and maps have toJSON; their contents may again be Arrow values.
function toPlain(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== "object") return v ?? null;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Date || v instanceof Uint8Array) return v;
  const json = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof json === "function") return toPlain(json.call(v));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, toPlain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
}

function parseJson(v: unknown): unknown {
  return typeof v === "string" ? (JSON.parse(v) as unknown) : v;
}

function arrowColumn(type: DataType, marked: string | undefined, name: string): ArrowColumn {
  if (DataType.isDictionary(type)) return arrowColumn(type.dictionary, marked, name);
  if (DataType.isNull(type)) return { type: "string", convert: () => null };
  if (DataType.isBool(type)) return { type: "boolean", convert: same };
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) return { type: marked === "bigint" ? "bigint" : "int64", convert: same };
    return { type: type.bitWidth === 32 && !type.isSigned ? "int64" : "int32", convert: same };
  }
  if (DataType.isFloat(type)) return { type: type.precision === 2 ? "double" : "float", convert: same };
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    return marked === "json" ? { type: "json", convert: parseJson } : { type: "string", convert: same };
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) {
    return { type: "bytes", convert: same };
  }
  // Arrow JS reads timestamps and dates of every unit as epoch milliseconds.
  if (DataType.isTimestamp(type)) return { type: "timestamp", convert: toDate };
  if (DataType.isDate(type)) return { type: "date", convert: toDate };
  if (DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isStruct(type) || DataType.isMap(type)) {
    return { type: "json", convert: toPlain };
  }
  throw new SerializationError(
    `DataFrame.fromArrow: column "${name}" has Arrow type ${String(type)}, which is not supported; cast it to ` +
      "a boolean, integer, float, string, binary, timestamp, date, list or struct type",
  );
}

/** The columns of an Arrow table and its rows as column batches of ROW_GROUP_ROWS rows. */
export function arrowColumns(table: Table): { columns: DataFrameColumn[]; batches: Iterable<ColumnBatch> } {
  const readers: { vector: Vector; convert: (v: unknown) => unknown }[] = [];
  const columns = table.schema.fields.map((field, i) => {
    const vector = table.getChildAt(i);
    if (vector === null) throw new SerializationError(`DataFrame.fromArrow: column "${field.name}" has no data`);
    const { type, convert } = arrowColumn(field.type, field.metadata.get(TYPE_KEY), field.name);
    readers.push({ vector, convert });
    return { name: field.name, type, nullable: field.nullable || vector.nullCount > 0 };
  });
  function* batches(): Generator<ColumnBatch> {
    for (let start = 0; start < table.numRows; start += ROW_GROUP_ROWS) {
      const end = Math.min(start + ROW_GROUP_ROWS, table.numRows);
      yield readers.map(({ vector, convert }) => {
        const values = new Array<unknown>(end - start);
        for (let r = start; r < end; r++) {
          const v: unknown = vector.get(r);
          values[r - start] = v === null || v === undefined ? null : convert(v);
        }
        return values;
      });
    }
  }
  return { columns, batches: batches() };
}

function arrowType(type: DataFrameColumnType): DataType {
  switch (type) {
    case "boolean":
      return new Bool();
    case "int32":
      return new Int32();
    case "int64":
    case "bigint":
      return new Int64();
    case "float":
      return new Float32();
    case "double":
      return new Float64();
    case "string":
    case "json":
      return new Utf8();
    case "bytes":
      return new Binary();
    case "timestamp":
      return new TimestampMillisecond();
    case "date":
      return new DateDay();
  }
}

function arrowValues(type: DataFrameColumnType, values: unknown[]): unknown[] {
  if (type === "int64" || type === "bigint") return values.map((v) => (v === null ? null : BigInt(v as number)));
  if (type === "json") return values.map((v) => (v === null ? null : JSON.stringify(v)));
  return values;
}

/**
 * An Arrow table of the columns (values as read from a DataFrame). int64 and bigint become Int64 (bigint values),
 * timestamp TimestampMillisecond, date DateDay, json Utf8 holding JSON text.
 */
export function tableOf(columns: readonly DataFrameColumn[], values: readonly unknown[][]): Table {
  const fields = columns.map((c) => {
    const marked = c.type === "bigint" || c.type === "json" ? new Map([[TYPE_KEY, c.type]]) : undefined;
    return new Field(c.name, arrowType(c.type), c.nullable, marked);
  });
  const schema = new Schema(fields);
  if (columns.length === 0) return new Table(schema);
  const vectors: Record<string, Vector> = {};
  columns.forEach((c, i) => {
    vectors[c.name] = vectorFromArray(arrowValues(c.type, values[i] ?? []), fields[i]!.type);
  });
  // Table from vectors aligns their chunks; the batches are then re-labelled with the schema carrying metadata.
  const table = new Table(vectors);
  return new Table(schema, table.batches.map((batch) => new RecordBatch(schema, batch.data)));
}
