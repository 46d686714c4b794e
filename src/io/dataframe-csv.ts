// CSV with a header row → typed column batches, streamed in two passes (types first, then values) so a large
// file is never held in memory. Quoting follows RFC 4180: quoted fields may hold commas, newlines and doubled
// quotes. No installed library parses CSV, and the parser is small enough to own and test.
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { DataFormatError } from "../errors/index.js";
import { openUri } from "./blob-access.js";
import type { DataFrameColumn, DataFrameColumnType } from "./dataframe-types.js";
import { ROW_GROUP_ROWS } from "./dataframe-writer.js";
import type { ColumnBatch } from "./dataframe-writer.js";

/** One CSV record: its fields and the line it starts on (1-based). */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

const URI = /^[a-z][a-z0-9+.-]*:\/\//i;
const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Parses CSV text chunks into records, yielding the records completed by each chunk. Records end at \n, \r\n or
 * \r; blank lines are skipped; a quote is only special at the start of a field. An unclosed quote, or text after a
 * closing quote, is a DataFormatError naming `where` and the line.
 */
export async function* parseCsv(chunks: AsyncIterable<string> | Iterable<string>, where: string): AsyncGenerator<CsvRecord[]> {
  let fields: string[] = [];
  let field = "";
  let quoted = false; // inside a quoted field
  let closing = false; // just read a quote inside a quoted field: either "" or the end of the field
  let wasQuoted = false; // the current field was quoted (so an empty line with "" is not blank)
  let skipLF = false; // the previous chunk ended with \r
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let first = true;
  const endRecord = (out: CsvRecord[]): void => {
    fields.push(field);
    if (fields.length > 1 || field !== "" || wasQuoted) out.push({ fields, line: recordLine });
    fields = [];
    field = "";
    wasQuoted = false;
  };
  for await (const raw of chunks) {
    const text = first && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    first = false;
    const out: CsvRecord[] = [];
    let start = 0; // start of the pending run of field text in `text`
    let i = 0;
    if (skipLF && text.charCodeAt(0) === LF) i = start = 1;
    skipLF = false;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (quoted) {
        if (c === QUOTE) {
          field += text.slice(start, i);
          start = i + 1;
          quoted = false;
          closing = true;
        } else if (c === LF) line++;
        continue;
      }
      if (closing) {
        closing = false;
        if (c === QUOTE) {
          // A doubled quote: keep one, stay inside the quoted field.
          quoted = true;
          start = i;
          continue;
        }
        if (c !== COMMA && c !== LF && c !== CR) {
          throw new DataFormatError(`${where}: line ${line}: unexpected text after a closing quote; quote the whole field`);
        }
      }
      if (c === COMMA) {
        field += text.slice(start, i);
        fields.push(field);
        field = "";
        wasQuoted = false;
        start = i + 1;
      } else if (c === LF || c === CR) {
        field += text.slice(start, i);
        endRecord(out);
        if (c === CR) {
          if (i + 1 === text.length) skipLF = true;
          else if (text.charCodeAt(i + 1) === LF) i++;
        }
        line++;
        recordLine = line;
        start = i + 1;
      } else if (c === QUOTE && field === "" && i === start) {
        quoted = true;
        wasQuoted = true;
        quoteLine = line;
        start = i + 1;
      }
    }
    field += text.slice(start);
    if (out.length > 0) yield out;
  }
  if (quoted) throw new DataFormatError(`${where}: line ${quoteLine}: a quoted field is never closed`);
  if (fields.length > 0 || field !== "" || wasQuoted) {
    const out: CsvRecord[] = [];
    endRecord(out);
    if (out.length > 0) yield out;
  }
}

// Numbers are plain decimals without leading zeros ("007" and zip codes stay strings, as do "NaN" and " 1").
const INT = /^-?(?:0|[1-9]\d*)$/;
const FLOAT = /^-?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const BOOL = /^(?:true|false)$/i;
const INT32_DIGITS = 9; // any integer of at most 9 digits fits int32
const INT64_MAX = 2n ** 63n - 1n;
type Kind = DataFrameColumnType | "none";
const NUMERIC: Kind[] = ["int32", "int64", "bigint", "double"];

function kindOf(text: string): Kind {
  if (BOOL.test(text)) return "boolean";
  if (INT.test(text)) {
    const digits = text.length - (text.startsWith("-") ? 1 : 0);
    if (digits <= INT32_DIGITS) return "int32";
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n >= -2147483648 && n <= 2147483647 ? "int32" : "int64";
    const big = BigInt(text);
    return big >= -INT64_MAX - 1n && big <= INT64_MAX ? "bigint" : "string";
  }
  return FLOAT.test(text) && Number.isFinite(Number(text)) ? "double" : "string";
}

function widen(a: Kind, b: Kind): Kind {
  if (a === b || b === "none") return a;
  if (a === "none") return b;
  const ia = NUMERIC.indexOf(a);
  const ib = NUMERIC.indexOf(b);
  return ia >= 0 && ib >= 0 ? NUMERIC[Math.max(ia, ib)]! : "string";
}

const PARSE: Partial<Record<DataFrameColumnType, (text: string) => unknown>> = {
  boolean: (t) => t.toLowerCase() === "true",
  int32: Number,
  int64: Number,
  bigint: BigInt,
  double: Number,
};

async function* records(pathOrUri: string): AsyncGenerator<CsvRecord[]> {
  const stream: Readable = URI.test(pathOrUri) ? await openUri(pathOrUri) : createReadStream(pathOrUri);
  stream.setEncoding("utf8"); // decodes characters split across chunks correctly
  try {
    yield* parseCsv(stream as AsyncIterable<string>, pathOrUri);
  } finally {
    stream.destroy();
  }
}

function checkWidth(record: CsvRecord, width: number, where: string): void {
  if (record.fields.length > width) {
    throw new DataFormatError(
      `${where}: line ${record.line} has ${record.fields.length} fields but the header has ${width}; quote fields that contain commas`,
    );
  }
}

/**
 * Reads a CSV file (a local path, or a URI of a known blob store) with a header row. Column types are inferred:
 * true/false (any case) → boolean; integers → int32, int64 or bigint by size; decimals → double; anything else →
 * string. Empty fields (quoted or not) and missing trailing fields are null.
 */
export async function readCsv(pathOrUri: string): Promise<{ columns: DataFrameColumn[]; batches: AsyncIterable<ColumnBatch> }> {
  let header: string[] | undefined;
  let kinds: Kind[] = [];
  let nullable: boolean[] = [];
  for await (const batch of records(pathOrUri)) {
    for (const record of batch) {
      if (header === undefined) {
        header = record.fields;
        kinds = header.map(() => "none");
        nullable = header.map(() => false);
        continue;
      }
      checkWidth(record, header.length, pathOrUri);
      for (let c = 0; c < header.length; c++) {
        const text = record.fields[c] ?? "";
        if (text === "") nullable[c] = true;
        else if (kinds[c] !== "string") kinds[c] = widen(kinds[c]!, kindOf(text));
      }
    }
  }
  if (header === undefined) throw new DataFormatError(`${pathOrUri} is empty; expected a header row`);
  const names = header.map((name, c) => (name === "" ? `column_${c + 1}` : name));
  const duplicate = names.find((name, c) => names.indexOf(name) !== c);
  if (duplicate !== undefined) {
    throw new DataFormatError(`${pathOrUri}: the header names column "${duplicate}" twice; column names must be unique`);
  }
  const columns = names.map((name, c): DataFrameColumn => {
    const kind = kinds[c]!;
    // No values at all: a nullable string column (the most widely readable type).
    return kind === "none" ? { name, type: "string", nullable: true } : { name, type: kind, nullable: nullable[c]! };
  });
  return { columns, batches: valueBatches(pathOrUri, columns) };
}

// Also cut a batch by text size, so rows of long text do not make a row group (and its memory) huge.
const BATCH_CHARS = 32 * 1024 * 1024;

async function* valueBatches(pathOrUri: string, columns: DataFrameColumn[]): AsyncGenerator<ColumnBatch> {
  const parsers = columns.map((c) => PARSE[c.type]);
  let batch: ColumnBatch = columns.map(() => []);
  let rows = 0;
  let chars = 0;
  let header = true;
  for await (const records_ of records(pathOrUri)) {
    for (const { fields } of records_) {
      if (header) {
        header = false;
        continue;
      }
      for (let c = 0; c < columns.length; c++) {
        const text = fields[c] ?? "";
        chars += text.length;
        const parse = parsers[c];
        batch[c]!.push(text === "" ? null : parse === undefined ? text : parse(text));
      }
      if (++rows === ROW_GROUP_ROWS || chars >= BATCH_CHARS) {
        yield batch;
        batch = columns.map(() => []);
        rows = chars = 0;
      }
    }
  }
  if (rows > 0) yield batch;
}
