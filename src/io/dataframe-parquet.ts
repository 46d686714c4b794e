// Reading Parquet lazily from wherever a DataFrame lives (a blob store or local file URI, or bytes in memory):
// hyparquet reads through an AsyncBuffer whose slices are byte-range reads, so opening a DataFrame fetches only
// the footer and iterating fetches one row group at a time. Anything hyparquet cannot parse is a DataFormatError.
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { DataFormatError, DataNotFoundError, FlyteError } from "../errors/index.js";
import { openUri, sizeOfUri } from "./blob-access.js";
import { COLUMN_TYPES, columnTypeOf, readFixOf } from "./dataframe-types.js";
import type { DataFrameColumn } from "./dataframe-types.js";

/**
 * Where a DataFrame's Parquet bytes are: an object (in a blob store, or a local file as a `file://` URI no store
 * owns), or memory (made outside a run).
 */
export type DataSource = { readonly kind: "uri"; readonly uri: string } | { readonly kind: "bytes"; readonly bytes: Uint8Array };

/** Key of the file metadata entry with our column types (the Parquet schema cannot tell bigint from int64). */
export const COLUMNS_KEY = "flyte.dataframe.columns";

// The first footer read; a footer larger than this costs one more read. Small, because with S3 every
// reference that is opened pays for it, and our files have few row groups.
const FOOTER_FETCH = 64 * 1024;

export interface OpenedParquet {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
  readonly columns: DataFrameColumn[];
}

/** How a source is named in messages. */
export function describeSource(source: DataSource): string {
  return source.kind === "uri" ? source.uri : "an in-memory DataFrame";
}

// Errors from the storage itself (network, permissions) are not format errors and pass through unchanged.
const ioErrors = new WeakSet<object>();

async function io<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (typeof e === "object" && e !== null) ioErrors.add(e);
    throw e;
  }
}

/** A FlyteError or storage error unchanged; anything else (a parser failure) as a DataFormatError naming `where`. */
export function formatError(e: unknown, where: string, doing: string): unknown {
  if (e instanceof FlyteError || (typeof e === "object" && e !== null && ioErrors.has(e))) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new DataFormatError(`${where} ${doing}: ${message}`, { cause: e });
}

function uriBuffer(uri: string): Promise<AsyncBuffer> {
  return io(async () => {
    const size = await sizeOfUri(uri);
    if (size === undefined) {
      throw new DataNotFoundError(`${uri} does not exist (or no configured blob store owns it); expected a Parquet file`);
    }
    const slice = (start: number, end = size): Promise<ArrayBuffer> =>
      io(async () => {
        const out = new Uint8Array(Math.max(0, end - start));
        if (out.length === 0) return out.buffer;
        let at = 0;
        const stream = await openUri(uri, { start, end: end - 1 });
        for await (const chunk of stream) {
          const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
          if (at + bytes.length > out.length) {
            stream.destroy();
            throw new DataFormatError(`${uri} changed while being read (more bytes than asked for at ${start})`);
          }
          out.set(bytes, at);
          at += bytes.length;
        }
        if (at !== out.length) throw new DataFormatError(`${uri} changed while being read (it ended at ${start + at})`);
        return out.buffer;
      });
    return { byteLength: size, slice };
  });
}

function bytesBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start, end = bytes.byteLength) => bytes.slice(start, end).buffer,
  };
}

/** Reads the footer (only) and derives the columns; a missing or non-Parquet object is a DataFormatError. */
export async function openParquet(source: DataSource): Promise<OpenedParquet> {
  const where = describeSource(source);
  const file = source.kind === "uri" ? await uriBuffer(source.uri) : bytesBuffer(source.bytes);
  try {
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH });
    return { file, metadata, columns: columnsOf(metadata) };
  } catch (e) {
    throw formatError(e, where, "is not a readable Parquet file");
  }
}

function columnsOf(metadata: FileMetaData): DataFrameColumn[] {
  const stored = storedTypes(metadata);
  return parquetSchema(metadata).children.map((node) => {
    const derived = columnTypeOf(node);
    const name = node.element.name;
    // Only refine what the Parquet schema cannot say; a mismatching entry (file rewritten elsewhere) is ignored.
    const type = derived === "int64" && stored.get(name) === "bigint" ? "bigint" : derived;
    return { name, type, nullable: node.element.repetition_type !== "REQUIRED" };
  });
}

function storedTypes(metadata: FileMetaData): Map<string, string> {
  const text = metadata.key_value_metadata?.find((kv) => kv.key === COLUMNS_KEY)?.value;
  const types = new Map<string, string>();
  if (text === undefined) return types;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return types;
    for (const c of parsed as unknown[]) {
      const { name, type } = (c ?? {}) as { name?: unknown; type?: unknown };
      if (typeof name === "string" && COLUMN_TYPES.includes(type as never)) types.set(name, type as string);
    }
  } catch {
    // Written by someone else under our key: the schema alone still describes the file.
  }
  return types;
}

/**
 * Yields the rows of one row group at a time, so at most one row group is held in memory. Values follow
 * the column types (see DataFrameColumnType).
 */
export async function* readRowGroups(
  opened: OpenedParquet,
  where: string,
): AsyncGenerator<Record<string, unknown>[]> {
  const { file, metadata, columns } = opened;
  const fixes = columns.flatMap((c) => {
    const fix = readFixOf(c.type);
    return fix === undefined ? [] : [{ name: c.name, fix }];
  });
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      // utf8: false keeps plain BYTE_ARRAY columns as bytes; string-annotated columns are still decoded.
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, utf8: false, rowFormat: "object" });
    } catch (e) {
      throw formatError(e, where, `could not be read (rows ${rowStart}–${rowEnd - 1})`);
    }
    for (const { name, fix } of fixes) {
      for (const row of rows) row[name] = fix(row[name]);
    }
    rowStart = rowEnd;
    yield rows;
  }
}
