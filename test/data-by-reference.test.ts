// Files, directories, tables and large values passing between tasks by reference, on the folder store and on an
// S3-compatible store (s3rver started by the test).
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FolderBlobStore, type BlobStore } from "../src/blob/index.js";
import { S3BlobStore } from "../src/blob/s3-store.js";
import { LocalEngine, type RunOptions } from "../src/engine/index.js";
import { decodeValue } from "../src/io/index.js";
import { DataFrame, Dir, File } from "../src/io.js";
import * as flyte from "../src/index.js";
import { openSqliteStore } from "../src/store/index.js";
import { taskTemplateOf, type Task } from "../src/sdk/index.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";
import { tempDir } from "./support/local-dir.js";

const env = new flyte.TaskEnvironment({ name: "data" });

const writeReport = env.task(async function writeReport(lines: number): Promise<File> {
  const file = File.new("report.txt");
  await file.write(Array.from({ length: lines }, (_, i) => `line ${i}`).join("\n"));
  return file;
});
const countLines = env.task(async function countLines(file: File): Promise<number> {
  return (await file.readText()).split("\n").length;
});
const roundTrip = env.task(async function roundTrip(lines: number): Promise<{ count: number; uri: string; hash: string | undefined }> {
  const file = await writeReport(lines);
  return { count: await countLines(file), uri: file.uri, hash: file.hash };
});

const makeTree = env.task(async function makeTree(): Promise<Dir> {
  const dir = Dir.new("model");
  await dir.writeFile("weights/layer1.bin", new Uint8Array([1, 2, 3]));
  await dir.writeFile("config.json", '{"layers":1}');
  return dir;
});
const readTree = env.task(async function readTree(dir: Dir): Promise<string[]> {
  const names: string[] = [];
  for await (const file of dir.walk()) names.push(`${file.name}:${(await file.read()).length}`);
  return names;
});
const treePipeline = env.task(async function treePipeline(): Promise<string[]> {
  return readTree(await makeTree());
});

const tabulate = env.task(async function tabulate(n: number): Promise<DataFrame> {
  return DataFrame.fromRows(Array.from({ length: n }, (_, i) => ({ id: i, name: `item-${i}`, even: i % 2 === 0 })));
});
const sumIds = env.task(async function sumIds(df: DataFrame): Promise<number> {
  let total = 0;
  for await (const row of df.rows()) total += row["id"] as number;
  return total;
});
const tablePipeline = env.task(async function tablePipeline(n: number): Promise<{ total: number; nested: { df: DataFrame }[] }> {
  const df = await tabulate(n);
  return { total: await sumIds(df), nested: [{ df }] };
});

const bigValue = env.task(async function bigValue(n: number): Promise<number[]> {
  return Array.from({ length: n }, (_, i) => i);
});
const sumBig = env.task(async function sumBig(xs: number[]): Promise<number> {
  return xs.reduce((a, b) => a + b, 0);
});
const offloadPipeline = env.task(async function offloadPipeline(n: number): Promise<number> {
  return sumBig(await bigValue(n));
});

const readMissing = env.task(async function readMissing(file: File): Promise<string> {
  return file.readText();
});

const partialUris: string[] = [];
const flakyWriter = env.task({ retries: 1 }, async function flakyWriter(): Promise<File> {
  const file = File.new("result.txt");
  partialUris.push(file.uri);
  if (flyte.ctx()!.attempt === 1) {
    await file.write("half-written by the failed attempt");
    throw new Error("crashed after a partial write");
  }
  return file.write("complete");
});
const readBack = env.task(async function readBack(): Promise<string> {
  return (await flakyWriter()).readText();
});

const readTable = env.task(async function readTable(df: DataFrame): Promise<number> {
  return (await df.toRows()).length;
});
const parseTable = env.task(async function parseTable(uri: string): Promise<number> {
  return readTable(await DataFrame.fromParquet(uri));
});

let hashed = 0;
const contentHash = env.task({ cache: "auto" }, async function contentHash(file: File): Promise<string> {
  hashed++;
  return createHash("sha256").update(await file.read()).digest("hex");
});

interface Harness {
  readonly engine: LocalEngine;
  readonly blobs: BlobStore;
  run<A extends unknown[]>(task: Task<A, unknown>, ...args: A): Promise<{ name: string; phase: string; output: unknown; error: Error | null }>;
}

const settings: RunOptions = { project: "p", domain: "d", labels: {}, envVars: {}, overwriteCache: false };

function harness(engine: LocalEngine, blobs: BlobStore): Harness {
  return {
    engine,
    blobs,
    async run(task, ...args) {
      const execution = engine.start(taskTemplateOf(task)!, args, settings);
      const outcome = await execution.done;
      return { name: execution.name, phase: outcome.phase, output: outcome.outputs === null ? undefined : decodeValue(outcome.outputs), error: outcome.error };
    },
  };
}

const stores: Array<[string, () => Promise<{ blobs: BlobStore; close: () => Promise<void> }>]> = [
  [
    "folder store",
    async () => {
      const dir = tempDir("flyte-blobs-");
      return { blobs: new FolderBlobStore(path.join(dir, "data")), close: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "S3 store",
    async () => {
      const server: S3Server = await startS3Server();
      const blobs = new S3BlobStore({
        bucket: server.bucket,
        prefix: "flyte",
        endpoint: server.endpoint,
        region: "us-east-1",
        credentials: server.credentials,
      });
      return { blobs, close: () => server.close() };
    },
  ],
];

describe.each(stores)("data by reference on the %s", (_label, openStore) => {
  let h: Harness;
  let closeStore: () => Promise<void>;
  let dbDir: string;
  beforeAll(async () => {
    const opened = await openStore();
    closeStore = opened.close;
    dbDir = tempDir("flyte-db-");
    h = harness(new LocalEngine(openSqliteStore(path.join(dbDir, "local.db")), opened.blobs, { inlineLimit: 10_000 }), opened.blobs);
  });
  afterAll(async () => {
    await h.engine.close();
    await closeStore();
    rmSync(dbDir, { recursive: true, force: true });
  });

  it("a File written by one task is read by the next, by reference, under the writer's attempt prefix", async () => {
    const result = await h.run(roundTrip, 50);
    expect(result.phase).toBe("succeeded");
    const out = result.output as { count: number; uri: string; hash: string };
    expect(out.count).toBe(50);
    expect(out.uri.startsWith(h.blobs.root)).toBe(true);
    expect(out.uri).toMatch(new RegExp(`/runs/${result.name}/[0-9a-f]{16}/1/[0-9a-f]{8}/report\\.txt$`));
    expect(out.hash).toMatch(/^[0-9a-f]{64}$/);
    const actions = await h.engine.store.listActions(result.name);
    const writer = actions.find((a) => a.taskName === "data.writeReport")!;
    expect(writer.outputs).toContain('"$t":"x:file"');
    expect(writer.outputs!.length).toBeLessThan(400); // the row holds the reference, not the content
  });

  it("a Dir tree round-trips with its files", async () => {
    const result = await h.run(treePipeline);
    expect(result.output).toEqual(["config.json:12", "weights/layer1.bin:3"]);
  });

  it("a DataFrame is stored as Parquet and read back as rows, also nested in objects", async () => {
    const result = await h.run(tablePipeline, 1000);
    expect(result.phase).toBe("succeeded");
    const out = result.output as { total: number; nested: { df: DataFrame }[] };
    expect(out.total).toBe((999 * 1000) / 2);
    const df = out.nested[0]!.df;
    expect(df).toBeInstanceOf(DataFrame);
    expect(df.numRows).toBe(1000);
    expect(df.uri?.startsWith(h.blobs.root)).toBe(true);
  });

  it("offloads values over the inline limit; the row keeps a pointer and the parent sees the same value", async () => {
    const result = await h.run(offloadPipeline, 5000);
    expect(result.output).toBe((4999 * 5000) / 2);
    const actions = await h.engine.store.listActions(result.name);
    const producer = actions.find((a) => a.taskName === "data.bigValue")!;
    const consumer = actions.find((a) => a.taskName === "data.sumBig")!;
    expect(producer.outputs!.startsWith('{"$t":"offloaded"')).toBe(true);
    expect(consumer.inputs.startsWith('{"$t":"offloaded"')).toBe(true);
    expect(producer.outputs!.length).toBeLessThan(300);
  });

  it("a missing object fails the action with a DataNotFoundError naming the URI, never a success", async () => {
    const missing = new File({ uri: h.blobs.uriOf("nowhere/missing.txt"), name: "missing.txt" });
    const result = await h.run(readMissing, missing);
    expect(result.phase).toBe("failed");
    expect(result.error).toBeInstanceOf(flyte.errors.DataNotFoundError);
    expect(result.error?.message).toContain("nowhere/missing.txt");
    const [root] = await h.engine.store.listActions(result.name);
    expect(root?.outputs).toBeNull();
  });
});

describe("data errors and retries", () => {
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    dir = tempDir("flyte-data-errors-");
    const blobs = new FolderBlobStore(path.join(dir, "data"));
    h = harness(new LocalEngine(openSqliteStore(path.join(dir, "local.db")), blobs), blobs);
  });
  afterAll(async () => {
    await h.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a retried attempt writes under its own prefix and never reads what the failed attempt half-wrote", async () => {
    partialUris.length = 0;
    const result = await h.run(readBack);
    expect(result.output).toBe("complete");
    expect(partialUris).toHaveLength(2);
    expect(partialUris[0]).toMatch(/\/1\/[0-9a-f]{8}\/result\.txt$/);
    expect(partialUris[1]).toMatch(/\/2\/[0-9a-f]{8}\/result\.txt$/);
  });

  it("a URI no configured store owns fails the action with a DataNotFoundError naming it", async () => {
    const result = await h.run(readMissing, new File({ uri: "s3://unconfigured-bucket/x.txt", name: "x.txt" }));
    expect(result.phase).toBe("failed");
    expect(result.error).toBeInstanceOf(flyte.errors.DataNotFoundError);
    expect(result.error?.message).toContain("s3://unconfigured-bucket/x.txt");
  });

  it("a corrupt Parquet file fails with a DataFormatError naming its URI, and nothing is recorded as a success", async () => {
    const bad = path.join(dir, "corrupt.parquet");
    writeFileSync(bad, "PAR1 this is not really parquet PAR1");
    const result = await h.run(parseTable, bad);
    expect(result.phase).toBe("failed");
    expect(result.error).toBeInstanceOf(flyte.errors.DataFormatError);
    expect(result.error?.message).toContain("corrupt.parquet");
    const actions = await h.engine.store.listActions(result.name);
    expect(actions.filter((a) => a.phase === "succeeded")).toEqual([]);
  });
});

describe("cache keys of File inputs", () => {
  const local = { dir: "" };
  beforeAll(() => {
    local.dir = tempDir("flyte-filecache-");
  });
  afterAll(async () => {
    await flyte.shutdown();
    rmSync(local.dir, { recursive: true, force: true });
  });

  it("depend on the content hash, not the path", async () => {
    mkdirSync(path.join(local.dir, "a"));
    mkdirSync(path.join(local.dir, "b"));
    writeFileSync(path.join(local.dir, "a/data.txt"), "same content");
    writeFileSync(path.join(local.dir, "b/other-name.txt"), "same content");
    writeFileSync(path.join(local.dir, "b/changed.txt"), "other content");
    const context = flyte.withRunContext({ localDir: path.join(local.dir, ".flyte") });
    hashed = 0;
    const first = await (await context.run(contentHash, await File.fromLocal(path.join(local.dir, "a/data.txt")))).outputs();
    const moved = await (await context.run(contentHash, await File.fromLocal(path.join(local.dir, "b/other-name.txt")))).outputs();
    expect(moved).toBe(first);
    expect(hashed).toBe(1);
    await (await context.run(contentHash, await File.fromLocal(path.join(local.dir, "b/changed.txt")))).outputs();
    expect(hashed).toBe(2);
  });
});

describe("memory", () => {
  it("a 200 MB file passes from task to task while the process grows by less than 50 MB", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const dir = tempDir("flyte-bigfile-");
    try {
      const script = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/big-file.ts");
      const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", script, dir, "200"], {
        maxBuffer: 1024 * 1024,
      });
      const report = JSON.parse(stdout) as { baseline: number; peak: number; result: { bytes: number; sha256: string } };
      expect(report.result.bytes).toBe(200 * 1024 * 1024);
      const growthMiB = (report.peak - report.baseline) / (1024 * 1024);
      console.log(`200 MB file task to task: RSS growth ${growthMiB.toFixed(1)} MiB`);
      expect(growthMiB).toBeLessThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
