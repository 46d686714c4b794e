// Writes column batches as one Parquet file, one row group per batch (at most ROW_GROUP_ROWS rows, so readers
// never need more than a row group in memory). Inside a run the bytes stream into the run's blob store below the
// attempt's prefix as they are encoded; outside a run they stay in memory.
import { createHash, randomUUID } from "node:crypto";
import type { Hash } from "node:crypto";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { currentDataContext } from "./data-context.js";
import { COLUMNS_KEY } from "./dataframe-parquet.js";
import type { DataSource } from "./dataframe-parquet.js";
import { schemaElementOf, toParquetValues } from "./dataframe-types.js";
import type { DataFrameColumn } from "./dataframe-types.js";

/** Rows per row group: bounds the memory of writing and of iterating, yet keeps the footer small. */
export const ROW_GROUP_ROWS = 65_536;

/** Column-major values of up to ROW_GROUP_ROWS rows, in the order of the columns. */
export type ColumnBatch = unknown[][];

export interface Written {
  readonly source: DataSource;
  readonly numRows: number;
  /** sha256 of the Parquet bytes (hex): equal tables written alike give equal hashes, for cache keys. */
  readonly hash: string;
}

/** Hands encoded bytes to a stream after each row group, waiting while the stream is full. */
class StreamWriter extends ByteWriter {
  constructor(
    private readonly out: PassThrough,
    private readonly failed: Promise<never>,
    private readonly hasher: Hash,
  ) {
    super(1 << 20);
  }

  flush(): Promise<void> | undefined {
    if (this.index === 0) return undefined;
    // Copied: the writer reuses its buffer for the next row group.
    const chunk = Buffer.from(this.buffer.slice(0, this.index));
    this.index = 0;
    this.hasher.update(chunk);
    if (this.out.write(chunk)) return undefined;
    return Promise.race([once(this.out, "drain").then(() => undefined), this.failed]);
  }
}

function newWriter(writer: ByteWriter, columns: readonly DataFrameColumn[]): ParquetWriter {
  return new ParquetWriter({
    writer,
    schema: [{ name: "root", num_children: columns.length }, ...columns.map(schemaElementOf)],
    kvMetadata: [{ key: COLUMNS_KEY, value: JSON.stringify(columns) }],
    createdBy: "flyte (TypeScript) via hyparquet-writer",
  });
}

async function writeBatches(
  pq: ParquetWriter,
  columns: readonly DataFrameColumn[],
  batches: Iterable<ColumnBatch> | AsyncIterable<ColumnBatch>,
  what: string,
): Promise<number> {
  let numRows = 0;
  for await (const batch of batches) {
    const rows = batch[0]?.length ?? 0;
    if (rows === 0) continue;
    const columnData = columns.map((column, i) => ({
      name: column.name,
      data: toParquetValues(column, batch[i] ?? [], numRows, what),
    }));
    await pq.write({ columnData: columnData as never, rowGroupSize: rows });
    numRows += rows;
  }
  return numRows;
}

/** A fresh object URI below an attempt's prefix (which may or may not end with "/"). */
export function newObjectUri(prefix: string): string {
  return `${prefix.replace(/\/+$/, "")}/dataframes/${randomUUID()}.parquet`;
}

/**
 * Writes the batches as Parquet: into the current run's store (source "uri") or, outside a run, into memory
 * (source "bytes"). Values are checked against the columns; a bad value is a SerializationError naming its row.
 */
export async function writeParquet(
  columns: readonly DataFrameColumn[],
  batches: Iterable<ColumnBatch> | AsyncIterable<ColumnBatch>,
  what: string,
): Promise<Written> {
  const ctx = currentDataContext();
  if (ctx === undefined) {
    const writer = new ByteWriter();
    const pq = newWriter(writer, columns);
    const numRows = await writeBatches(pq, columns, batches, what);
    await pq.finish();
    const bytes = writer.getBytes().slice();
    return { source: { kind: "bytes", bytes }, numRows, hash: createHash("sha256").update(bytes).digest("hex") };
  }
  const uri = newObjectUri(ctx.prefix);
  const out = new PassThrough();
  const putting = ctx.store.put(uri, out);
  // Rejects when the upload fails, so a writer waiting for "drain" does not wait forever.
  const failed = putting.then(
    () => new Promise<never>(() => {}),
    (e: unknown) => Promise.reject(e instanceof Error ? e : new Error(String(e))),
  );
  failed.catch(() => {}); // observed through the race in flush and through `putting` below
  const hasher = createHash("sha256");
  const writer = new StreamWriter(out, failed, hasher);
  try {
    const pq = newWriter(writer, columns);
    const numRows = await writeBatches(pq, columns, batches, what);
    await pq.finish();
    await writer.flush();
    out.end();
    await putting;
    return { source: { kind: "uri", uri }, numRows, hash: hasher.digest("hex") };
  } catch (e) {
    out.destroy(e instanceof Error ? e : new Error(String(e)));
    // `e` is the error to report (the upload's own, when that is what stopped the writing); the rest is cleanup
    // of a partial object that nothing refers to, so its failure changes nothing.
    await putting.catch(() => {});
    await ctx.store.delete(uri).catch(() => {});
    throw e;
  }
}
