// DataFrame against the folder BlobStore inside a data context (as in a task) and outside one (in memory):
// round trips of every column type, references through the codec, lazy byte-range reads and format errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Transform } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { FolderBlobStore } from "../blob/folder-store.js";
import type { BlobStore } from "../blob/types.js";
import { DataFormatError, DataNotFoundError, InvalidOptionError, SerializationError } from "../errors/index.js";
import { encodeValue } from "./codec.js";
import { decodeValue } from "./codec-decode.js";
import { withDataContext } from "./data-context.js";
import { DataFrame } from "./dataframe.js";

const dir = mkdtempSync(path.join(tmpdir(), "flyte-df-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const folder = new FolderBlobStore(path.join(dir, "store"));
const FIXTURES = path.resolve(import.meta.dirname, "../../test/fixtures/data");

/** Wraps a store, counting the bytes and range reads that go through openRead. */
function counting(store: BlobStore): BlobStore & { bytes: number; reads: number } {
  const counted = {
    bytes: 0,
    reads: 0,
    root: store.root,
    owns: (uri: string) => store.owns(uri),
    uriOf: (key: string) => store.uriOf(key),
    put: store.put.bind(store),
    putFile: store.putFile.bind(store),
    get: store.get.bind(store),
    download: store.download.bind(store),
    stat: store.stat.bind(store),
    list: store.list.bind(store),
    delete: store.delete.bind(store),
    async openRead(uri: string, range?: { start: number; end?: number }) {
      counted.reads++;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          counted.bytes += chunk.length;
          callback(null, chunk);
        },
      });
      return (await store.openRead(uri, range)).pipe(tap);
    },
  };
  return counted;
}

let runs = 0;
/** Runs fn as if inside a task: a data context with its own prefix in `store`. */
function inRun<T>(fn: () => Promise<T>, store: BlobStore = folder): Promise<T> {
  const n = ++runs;
  return withDataContext({ store, prefix: store.uriOf(`run${n}/a0`), scratchDir: path.join(dir, `scratch${n}`) }, fn);
}

const when = new Date("2024-05-06T07:08:09.123Z");
const everyType = [
  { flag: true, small: 1, wide: 2 ** 40, exact: 2n ** 62n, real: 1.5, text: "héllo, \"world\"", raw: new Uint8Array([0, 255]), at: when, doc: { a: [1, "x", null] } },
  { flag: false, small: -2147483648, wide: -(2 ** 40), exact: -3n, real: -0, text: "", raw: new Uint8Array(), at: new Date(0), doc: [1, 2] },
  { flag: null, small: null, wide: null, exact: null, real: Number.NaN, text: null, raw: null, at: null, doc: null },
  { real: Number.POSITIVE_INFINITY },
];
const nulled = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(everyType[0]!).map((k) => [k, row[k] ?? null]));

describe("DataFrame.fromRows", () => {
  it("round-trips every column type, with nulls, through Parquet in the run's store", async () => {
    const df = await inRun(() => DataFrame.fromRows(everyType));
    expect(df.uri).toMatch(new RegExp(`^${folder.root}/run\\d+/a0/dataframes/[-\\w]+\\.parquet$`));
    expect(df.numRows).toBe(4);
    expect(df.columns.map((c) => `${c.name}:${c.type}${c.nullable ? "?" : ""}`)).toEqual([
      "flag:boolean?", "small:int32?", "wide:int64?", "exact:bigint?", "real:double", "text:string?", "raw:bytes?",
      "at:timestamp?", "doc:json?",
    ]);
    const rows = await inRun(() => df.toRows());
    expect(rows).toEqual(everyType.map(nulled));
    expect(Object.is(rows[1]!["real"], -0)).toBe(true);
    expect(readFileSync(new URL(df.uri!)).subarray(0, 4).toString()).toBe("PAR1");
  });

  it("keeps rows in memory outside a run: no URI, same values, and it cannot be passed to a task", async () => {
    const df = await DataFrame.fromRows(everyType);
    expect(df.uri).toBeUndefined();
    expect(await df.toRows()).toEqual(everyType.map(nulled));
    expect(() => encodeValue({ df })).toThrow(SerializationError);
    expect(() => encodeValue({ df })).toThrow(/\$\.df .*created outside a run.*create it inside a task/);
  });

  it("reads int64 as numbers when safe and as bigint beyond 2^53; bigint columns always as bigint", async () => {
    const df = await DataFrame.fromRows([{ n: 2n ** 60n, b: 5n }, { n: 7, b: 6 }], { schema: { n: "int64" } });
    expect(df.columns.map((c) => c.type)).toEqual(["int64", "bigint"]);
    expect(await df.toRows()).toEqual([{ n: 2n ** 60n, b: 5n }, { n: 7, b: 6n }]);
  });

  it("takes declared types (json, date, float) and declared columns without rows", async () => {
    const day = new Date("2024-02-29T00:00:00Z");
    const df = await DataFrame.fromRows([{ tags: "one", day, f: 0.5 }, { tags: ["a", "b"] }], {
      schema: { tags: "json", day: "date", f: "float", extra: "string" },
    });
    expect(df.columns.map((c) => c.type)).toEqual(["json", "date", "float", "string"]);
    expect(await df.toRows()).toEqual([
      { tags: "one", day, f: 0.5, extra: null },
      { tags: ["a", "b"], day: null, f: null, extra: null },
    ]);
    const inherited = await DataFrame.fromRows([{ a: 1 }, { constructor: 3 }]); // names Object.prototype also has
    expect(await inherited.toRows()).toEqual([{ a: 1, constructor: null }, { a: null, constructor: 3 }]);
    const empty = await DataFrame.fromRows([], { schema: { id: "int32" } });
    expect([empty.numRows, empty.columns.length, await empty.toRows()]).toEqual([0, 1, []]);
  });

  it("rejects mixed and unsupported values naming the column and row, and bad schema types", async () => {
    await expect(DataFrame.fromRows([{ a: 1 }, { a: "x" }])).rejects.toThrow(
      /column "a" holds int32 and string values \(row 1\).*options\.schema/,
    );
    await expect(DataFrame.fromRows([{ a: new Map() }])).rejects.toThrow(/column "a" row 0 holds an instance of Map/);
    await expect(DataFrame.fromRows([{ a: "x" }], { schema: { a: "int32" } })).rejects.toThrow(
      /column "a" is int32 but row 0 holds the string "x"/,
    );
    await expect(DataFrame.fromRows([{ a: 1 }], { schema: { a: "integer" as never } })).rejects.toThrow(InvalidOptionError);
    await expect(DataFrame.fromRows([1 as never])).rejects.toThrow(/row 0 is the number 1; pass an array of plain objects/);
  });
});

describe("DataFrame storage", () => {
  it("fails with the store's error, without hanging, when the upload fails mid-way", async () => {
    const broken: BlobStore = {
      ...counting(folder),
      put: async (_uri, body) => {
        (body as NodeJS.ReadableStream).resume(); // take a little, then fail like a dropped connection
        await new Promise((r) => setTimeout(r, 5));
        throw new Error("connection reset");
      },
    };
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: i, text: `some text ${i}` }));
    await expect(inRun(() => DataFrame.fromRows(rows), broken)).rejects.toThrow("connection reset");
  });

  it("stops reading when a loop over rows() ends early", async () => {
    const df = await DataFrame.fromRows(Array.from({ length: 70_000 }, (_, i) => ({ id: i })));
    const iterator = df.rows();
    for await (const row of iterator) if (row["id"] === 3) break;
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});

describe("DataFrame references", () => {
  it("cross task boundaries as references, also nested in objects and arrays", async () => {
    const df = await inRun(() => DataFrame.fromRows([{ id: 1 }, { id: 2 }]));
    const text = encodeValue({ df, list: [df] });
    expect(text).toContain('{"$t":"x:dataframe","v":{"columns":[{"name":"id","nullable":false,"type":"int32"}]');
    expect(text).not.toContain('"id":1');
    const store = counting(folder);
    const back = decodeValue(text) as { df: DataFrame; list: DataFrame[] };
    expect(back.df).toBeInstanceOf(DataFrame);
    expect([back.df.uri, back.df.numRows, back.list[0]!.uri]).toEqual([df.uri, 2, df.uri]);
    expect(store.reads).toBe(0); // decoding a reference reads nothing
    expect(await inRun(() => back.list[0]!.toRows(), store)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("fromParquet reads only the footer; rows() fetches one row group at a time", async () => {
    const n = 200_000; // four row groups
    const df = await inRun(() => DataFrame.fromRows(Array.from({ length: n }, (_, i) => ({ id: i, label: `row ${i}` }))));
    const size = (await folder.stat(df.uri!))!.size;
    const store = counting(folder);
    const ref = await inRun(() => DataFrame.fromParquet(df.uri!), store);
    expect([ref.numRows, ref.columns.map((c) => c.type)]).toEqual([n, ["int32", "string"]]);
    console.log(`footer-only open: ${store.bytes} of ${size} bytes in ${store.reads} read(s)`);
    expect(store.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(store.bytes).toBeLessThan(size);

    const iterating = counting(folder);
    const fresh = decodeValue(encodeValue(df)) as DataFrame;
    let seen = 0;
    let inOrder = true;
    let bytesAtFirstRow = 0;
    await inRun(async () => {
      for await (const row of fresh.rows()) {
        if (seen === 0) bytesAtFirstRow = iterating.bytes;
        inOrder &&= row["id"] === seen++;
      }
    }, iterating);
    console.log(`rows(): ${bytesAtFirstRow} bytes read before the first row, ${iterating.bytes} in all (${size})`);
    expect([seen, inOrder]).toEqual([n, true]);
    expect(bytesAtFirstRow).toBeLessThan(size / 2);
  });

  it("writes and reads 100k rows (timing printed, not asserted)", async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      id: i, name: `customer-${i % 977}`, score: i / 7, active: i % 3 === 0, at: new Date(1_700_000_000_000 + i * 1000),
    }));
    let t = performance.now();
    const df = await inRun(() => DataFrame.fromRows(rows));
    const write = performance.now() - t;
    t = performance.now();
    const back = await inRun(() => df.toRows());
    const read = performance.now() - t;
    t = performance.now();
    let count = 0;
    await inRun(async () => {
      for await (const _ of df.rows()) count++;
    });
    const iterate = performance.now() - t;
    const size = (await folder.stat(df.uri!))!.size;
    console.log(
      `100k rows × 5 columns: write ${write.toFixed(0)} ms, toRows ${read.toFixed(0)} ms, rows() ${iterate.toFixed(0)} ms, ` +
        `${(size / 1024).toFixed(0)} KiB Parquet`,
    );
    expect(back[99_999]).toEqual(rows[99_999]);
    expect(count).toBe(100_000);
  });
});

describe("DataFrame.fromParquet", () => {
  it("rejects a non-Parquet object with a DataFormatError naming its URI", async () => {
    const uri = folder.uriOf("bad/not-parquet.parquet");
    await folder.putFile(uri, path.join(FIXTURES, "not-parquet.parquet"));
    const error = await inRun(() => DataFrame.fromParquet(uri)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toContain(`${uri} is not a readable Parquet file`);
    const empty = folder.uriOf("bad/empty.parquet");
    await folder.put(empty, "");
    await expect(inRun(() => DataFrame.fromParquet(empty))).rejects.toThrow(DataFormatError);
  });

  it("rejects a truncated file and reports a missing one as not found", async () => {
    const df = await inRun(() => DataFrame.fromRows([{ a: 1 }, { a: 2 }]));
    const bytes = readFileSync(new URL(df.uri!));
    const cut = path.join(dir, "cut.parquet");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    await expect(DataFrame.fromParquet(cut)).rejects.toThrow(new RegExp(`${cut} is not a readable Parquet file`));
    await expect(DataFrame.fromParquet(path.join(dir, "nope.parquet"))).rejects.toThrow(DataNotFoundError);
  });

  it("reports corrupt pages as a DataFormatError when the rows are read", async () => {
    const file = path.join(dir, "corrupt.parquet");
    await (await DataFrame.fromRows(Array.from({ length: 1000 }, (_, i) => ({ a: i })))).download(file);
    const bytes = readFileSync(file);
    bytes.fill(0xff, 4, 200); // the first page header and data; the footer stays valid
    writeFileSync(file, bytes);
    const df = await DataFrame.fromParquet(file);
    await expect(df.toRows()).rejects.toThrow(new RegExp(`${file} could not be read \\(rows 0–999\\)`));
  });

  it("refers to a local file in place outside a run and uploads it inside one; download copies the file", async () => {
    const df = await inRun(() => DataFrame.fromRows([{ a: "x" }, { a: "y" }]));
    const local = await inRun(() => df.download(path.join(dir, "copies", "t.parquet")));
    const outside = await DataFrame.fromParquet(local);
    expect(outside.uri).toMatch(/^file:\/\/.*copies\/t\.parquet$/);
    expect(await outside.toRows()).toEqual([{ a: "x" }, { a: "y" }]);
    const inside = await inRun(() => DataFrame.fromParquet(local));
    expect(inside.uri?.startsWith(folder.root)).toBe(true);
    expect(await inRun(() => inside.toRows())).toEqual([{ a: "x" }, { a: "y" }]);
    const memory = await DataFrame.fromRows([{ a: 1 }]);
    const saved = await memory.download(path.join(dir, "mem.parquet"));
    expect(await (await DataFrame.fromParquet(saved)).toRows()).toEqual([{ a: 1 }]);
  });
});
