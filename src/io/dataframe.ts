// DataFrame: a table stored as Parquet in the run's blob store and passed between tasks by reference (URI, row
// count, columns), never through the database. Outside a run it keeps its Parquet bytes in memory and has no URI,
// so it cannot be passed to a task. Reading is lazy: opening reads the footer, iterating one row group at a time.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Table } from "apache-arrow";
import { InvalidOptionError, SerializationError } from "../errors/index.js";
import { registerCodec } from "./codec-registry.js";
import { downloadUri, scratchPath } from "./blob-access.js";
import { currentDataContext, storeForUri } from "./data-context.js";
// Apache Arrow takes ~250 ms to load: it is imported only when a task converts to or from Arrow.
const arrow = (): Promise<typeof import("./dataframe-arrow.js")> => import("./dataframe-arrow.js");
import { readCsv } from "./dataframe-csv.js";
import { describeSource, openParquet, readRowGroups } from "./dataframe-parquet.js";
import type { DataSource, OpenedParquet } from "./dataframe-parquet.js";
import { checkSchema, inferColumns, rowBatches } from "./dataframe-rows.js";
import { COLUMN_TYPES, isPlainObject } from "./dataframe-types.js";
import type { DataFrameColumn, DataFrameColumnType } from "./dataframe-types.js";
import { newObjectUri, writeParquet } from "./dataframe-writer.js";
import type { ColumnBatch } from "./dataframe-writer.js";

export type { DataFrameColumn, DataFrameColumnType } from "./dataframe-types.js";

export interface FromRowsOptions {
  /** Column types by name, for columns whose type cannot be inferred (e.g. `{ tags: "json" }`) or has no rows. */
  schema?: Readonly<Record<string, DataFrameColumnType>>;
}

/** What crosses a task boundary for a DataFrame (stored as `{"$t":"x:dataframe","v":…}`). */
interface DataFrameReference {
  uri: string;
  numRows: number;
  columns: DataFrameColumn[];
  /** sha256 of the Parquet file, when this API wrote it: the identity in cache keys (else the URI). */
  hash?: string;
}

const URI = /^[a-z][a-z0-9+.-]*:\/\//i;

function parseReference(data: unknown): DataFrameReference {
  const d = (isPlainObject(data) ? data : {}) as Partial<Record<keyof DataFrameReference, unknown>>;
  const columnOk = (c: unknown): boolean =>
    isPlainObject(c) &&
    typeof c.name === "string" &&
    COLUMN_TYPES.includes(c.type as DataFrameColumnType) &&
    typeof c.nullable === "boolean";
  if (
    typeof d.uri !== "string" ||
    !Number.isSafeInteger(d.numRows) ||
    (d.numRows as number) < 0 ||
    !Array.isArray(d.columns) ||
    !d.columns.every(columnOk) ||
    (d.hash !== undefined && typeof d.hash !== "string")
  ) {
    throw new SerializationError("a stored DataFrame reference is malformed (expected { uri, numRows, columns, hash? })");
  }
  const ref: DataFrameReference = { uri: d.uri, numRows: d.numRows as number, columns: d.columns as DataFrameColumn[] };
  if (typeof d.hash === "string") ref.hash = d.hash;
  return ref;
}

/**
 * A table stored as Parquet and passed between tasks by reference. Create it inside a task with the async
 * factories (they write the Parquet file to the run's store); read it anywhere in the run.
 *
 * Column types and their JS values are listed at {@link DataFrameColumnType}: booleans, int32/int64 (numbers;
 * int64 beyond ±2^53 as bigint), bigint, float/double, strings, bytes (Uint8Array), timestamps and dates (Date,
 * millisecond precision), json (plain objects/arrays) and null in every column. Files from other writers may
 * hold other Parquet types: decimals read as numbers, nested lists/structs/maps as json, INT96 as timestamps.
 *
 * @example
 * const df = await DataFrame.fromRows([{ city: "Oslo", temp: 4.5 }]);
 * for await (const row of df.rows()) console.log(row.city);
 */
export class DataFrame {
  /** The Parquet object's URI; undefined for a DataFrame made outside a run (its data is in memory). */
  readonly uri: string | undefined;
  readonly numRows: number;
  readonly columns: readonly DataFrameColumn[];
  readonly #source: DataSource;
  readonly #hash: string | undefined;
  #opened: Promise<OpenedParquet> | undefined;

  static {
    registerCodec<DataFrame>({
      tag: "dataframe",
      test: (v): v is DataFrame => v instanceof DataFrame,
      encode: (df) => df.#reference(),
      decode: (data) => {
        const ref = parseReference(data);
        return new DataFrame({ kind: "uri", uri: ref.uri }, ref.numRows, ref.columns, ref.hash);
      },
      // The same table written twice (another run, another URI) is the same cache input.
      identity: (df) => (df.#hash !== undefined ? { hash: df.#hash } : df.#reference()),
    });
  }

  private constructor(
    source: DataSource,
    numRows: number,
    columns: readonly DataFrameColumn[],
    hash: string | undefined,
    opened?: OpenedParquet,
  ) {
    this.#source = source;
    this.#hash = hash;
    this.uri = source.kind === "uri" ? source.uri : undefined;
    this.numRows = numRows;
    this.columns = Object.freeze(columns.map((c) => Object.freeze({ name: c.name, type: c.type, nullable: c.nullable })));
    this.#opened = opened === undefined ? undefined : Promise.resolve(opened);
  }

  /**
   * Stores plain-object rows. Column types are inferred (the narrowest type holding every value) unless given in
   * `options.schema`; a row without a column's key holds null there.
   * @example await DataFrame.fromRows([{ id: 1, tags: ["a"] }], { schema: { tags: "json" } })
   */
  static async fromRows(rows: readonly Record<string, unknown>[], options: FromRowsOptions = {}): Promise<DataFrame> {
    const what = "DataFrame.fromRows";
    if (!Array.isArray(rows)) throw new SerializationError(`${what}: rows must be an array of plain objects`);
    const columns = inferColumns(rows, checkSchema(options.schema), what);
    return DataFrame.#write(columns, rowBatches(rows, columns), what);
  }

  /**
   * Stores an Apache Arrow table. Accepted Arrow types: Bool, Int8–Int64 and Uint8–Uint64, Float16/32/64, Utf8,
   * LargeUtf8, Binary, LargeBinary, FixedSizeBinary, Timestamp (any unit, kept to the millisecond), Date, Null,
   * Dictionary of those, and List, FixedSizeList, Struct and Map (stored as json). Others are a SerializationError.
   */
  static async fromArrow(table: Table): Promise<DataFrame> {
    const { Table } = await import("apache-arrow");
    if (!(table instanceof Table)) throw new InvalidOptionError("DataFrame.fromArrow: expected an apache-arrow Table");
    const { columns, batches } = (await arrow()).arrowColumns(table);
    return DataFrame.#write(columns, batches, "DataFrame.fromArrow");
  }

  /**
   * Refers to an existing Parquet file: a URI of a known blob store, or a local path (inside a run, a local file
   * is uploaded to the run's store so other actions can read it; outside, it is referenced as a `file://` URI).
   * Only the footer is read, to check the file and learn its row count and columns: a non-Parquet object is a
   * DataFormatError naming it, a missing one a DataNotFoundError.
   */
  static async fromParquet(uriOrPath: string): Promise<DataFrame> {
    if (typeof uriOrPath !== "string" || uriOrPath === "") {
      throw new InvalidOptionError("DataFrame.fromParquet: expected a URI or a local path");
    }
    // A file:// URI no store owns is a local file like a plain path.
    const local = !URI.test(uriOrPath) || (uriOrPath.startsWith("file://") && storeForUri(uriOrPath) === undefined);
    const localPath = !local ? undefined : URI.test(uriOrPath) ? fileURLToPath(uriOrPath) : path.resolve(uriOrPath);
    const uri = localPath === undefined ? uriOrPath : pathToFileURL(localPath).href;
    const opened = await openParquet({ kind: "uri", uri });
    const numRows = Number(opened.metadata.num_rows);
    const ctx = currentDataContext();
    if (localPath !== undefined && ctx !== undefined) {
      const stored = newObjectUri(ctx.prefix);
      await ctx.store.putFile(stored, localPath);
      return new DataFrame({ kind: "uri", uri: stored }, numRows, opened.columns, undefined);
    }
    return new DataFrame({ kind: "uri", uri }, numRows, opened.columns, undefined, opened);
  }

  /**
   * Reads a CSV file with a header row (a local path or a store URI) and stores it as Parquet. Types are inferred
   * per column: true/false → boolean, integers → int32/int64/bigint, decimals → double, else string; empty
   * fields → null. Quoted fields may hold commas, quotes ("") and newlines.
   */
  static async fromCsv(path: string): Promise<DataFrame> {
    if (typeof path !== "string" || path === "") throw new InvalidOptionError("DataFrame.fromCsv: expected a path");
    const { columns, batches } = await readCsv(path);
    return DataFrame.#write(columns, batches, `DataFrame.fromCsv(${path})`);
  }

  static async #write(
    columns: DataFrameColumn[],
    batches: Iterable<ColumnBatch> | AsyncIterable<ColumnBatch>,
    what: string,
  ): Promise<DataFrame> {
    const { source, numRows, hash } = await writeParquet(columns, batches, what);
    return new DataFrame(source, numRows, columns, hash);
  }

  #open(): Promise<OpenedParquet> {
    if (this.#opened === undefined) {
      const opening = openParquet(this.#source);
      this.#opened = opening;
      // A failed open (store unreachable) is tried again by the next read rather than remembered.
      void opening.catch(() => {
        if (this.#opened === opening) this.#opened = undefined;
      });
    }
    return this.#opened;
  }

  async *#groups(): AsyncGenerator<Record<string, unknown>[]> {
    yield* readRowGroups(await this.#open(), describeSource(this.#source));
  }

  /** The rows, read one row group (≤ 65,536 rows) at a time: memory stays bounded for any size. */
  rows(): AsyncIterableIterator<Record<string, unknown>> {
    // Hand-written rather than an async generator: rows already in memory are handed out without resuming a
    // generator, which halves the cost per row (it adds up over millions of rows).
    const groups = this.#groups();
    let group: Record<string, unknown>[] = [];
    let next = 0;
    const refill = async (): Promise<IteratorResult<Record<string, unknown>, undefined>> => {
      while (next >= group.length) {
        const read = await groups.next();
        if (read.done === true) return { done: true, value: undefined };
        group = read.value;
        next = 0;
      }
      return { done: false, value: group[next++]! };
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => (next < group.length ? Promise.resolve({ done: false, value: group[next++]! }) : refill()),
      // Called when the loop stops early (break, throw): ends the row-group reader.
      return: async () => {
        group = [];
        await groups.return(undefined);
        return { done: true, value: undefined };
      },
    };
  }

  /** All rows in one array (for tables that fit in memory). */
  async toRows(): Promise<Record<string, unknown>[]> {
    const all: Record<string, unknown>[] = [];
    for await (const group of this.#groups()) for (const row of group) all.push(row);
    return all;
  }

  /**
   * The table as Apache Arrow: int64/bigint → Int64 (bigint values), timestamp → TimestampMillisecond,
   * date → DateDay, json → Utf8 with JSON text (marked, so fromArrow restores it).
   */
  async toArrow(): Promise<Table> {
    const { columns } = await this.#open();
    const values: unknown[][] = columns.map(() => []);
    for await (const group of this.#groups()) {
      columns.forEach(({ name }, c) => {
        const out = values[c]!;
        for (const row of group) out.push(row[name]);
      });
    }
    return (await arrow()).tableOf(columns, values);
  }

  /** Copies the Parquet file to `dest` (default: a scratch folder of the current attempt) and returns the path. */
  async download(dest?: string): Promise<string> {
    const source = this.#source;
    const target = dest ?? scratchPath(source.kind === "uri" ? path.posix.basename(source.uri) : "dataframe.parquet");
    if (source.kind === "uri") {
      await downloadUri(source.uri, target);
    } else {
      await mkdir(path.dirname(path.resolve(target)), { recursive: true });
      await writeFile(target, source.bytes);
    }
    return target;
  }

  #reference(): DataFrameReference {
    if (this.uri === undefined) {
      throw new SerializationError(
        "this DataFrame was created outside a run, so its data is only in memory; create it inside a task " +
          "(e.g. await DataFrame.fromRows(rows) in the task body) to pass it between tasks",
      );
    }
    const ref: DataFrameReference = { uri: this.uri, numRows: this.numRows, columns: this.columns.map((c) => ({ ...c })) };
    if (this.#hash !== undefined) ref.hash = this.#hash;
    return ref;
  }
}
