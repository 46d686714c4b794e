// Runs the BlobStore conformance suite against the S3 store on an in-process s3rver (a fresh key prefix per
// test, and a fresh bucket per test for a store at a bucket's root), plus what only S3 has: multipart uploads,
// paginated listings, and credential, bucket and network failures mapped to data errors.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { S3BlobStoreOptions } from "../src/blob/index.js";
import { S3BlobStore } from "../src/blob/s3-store.js";
import { DataAccessError, DataNotFoundError, DataStoreError, InvalidOptionError } from "../src/errors/index.js";
import { listAll, runBlobStoreConformance, sha256 } from "./blob-conformance.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

let server: S3Server | undefined;
const stores: S3BlobStore[] = [];
let count = 0;

async function s3(options: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStore> {
  server ??= await startS3Server();
  const store = new S3BlobStore({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: server.credentials,
    ...options,
  });
  stores.push(store);
  return store;
}

async function closeAll(): Promise<void> {
  for (const store of stores.splice(0)) store.destroy();
  await server?.close();
  server = undefined;
}

runBlobStoreConformance("s3 store (key prefix)", async () => s3({ prefix: `runs/test-${++count}` }), closeAll);

runBlobStoreConformance(
  "s3 store (bucket root)",
  async () => {
    const admin = await s3();
    const bucket = `root-${++count}`;
    await admin.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return s3({ bucket });
  },
  closeAll,
);

describe("s3 store specifics", () => {
  let local = "";
  beforeAll(async () => {
    local = await mkdtemp(join(tmpdir(), "flyte-blob-s3-"));
  });
  afterAll(async () => {
    await rm(local, { recursive: true, force: true });
    await closeAll();
  });

  it("uploads a 40 MiB file as a multipart upload of 8 MiB parts", async () => {
    const store = await s3({ prefix: "multipart" });
    const source = join(local, "forty.bin");
    await writeFile(source, randomBytes(40 * 1024 * 1024));
    const uri = store.uriOf("big/forty.bin");
    const commands: string[] = [];
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? "?");
        return next(args);
      },
      { step: "initialize", name: "recordCommands" },
    );
    expect(await store.putFile(uri, source)).toEqual({ uri, size: 40 * 1024 * 1024 });
    // 40 MiB is five 8 MiB parts, started, uploaded and completed as one multipart upload.
    expect(commands.filter((c) => c === "UploadPartCommand")).toHaveLength(5);
    expect(commands).toContain("CreateMultipartUploadCommand");
    expect(commands).toContain("CompleteMultipartUploadCommand");
    expect(commands).not.toContain("PutObjectCommand");
    expect(await sha256(await store.openRead(uri))).toBe(await sha256(createReadStream(source)));
  });

  it("follows list pagination", async () => {
    const store = await s3({ prefix: "paged", listPageSize: 2 });
    const keys = ["a", "b", "c/d", "c/e", "f"];
    for (const key of keys) await store.put(store.uriOf(key), key);
    expect((await listAll(store, store.root)).map((i) => i.uri)).toEqual(keys.map((k) => store.uriOf(k)));
  });

  it("rejects an unknown access key with DataAccessError naming the URI and the variables to check", async () => {
    const store = await s3({ prefix: "denied", credentials: { accessKeyId: "NOT-A-KEY", secretAccessKey: "x" } });
    const uri = store.uriOf("x.txt");
    for (const attempt of [() => store.put(uri, "x"), () => store.get(uri), () => store.stat(uri), () => listAll(store, uri)]) {
      const error: unknown = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataAccessError);
      expect((error as Error).message).toContain(uri);
      expect((error as Error).message).toContain("AWS_ACCESS_KEY_ID");
    }
  });

  it("reports a missing bucket as DataAccessError naming the bucket", async () => {
    const store = await s3({ bucket: "no-such-bucket" });
    await expect(store.put(store.uriOf("x"), "x")).rejects.toThrow(DataAccessError);
    await expect(store.get(store.uriOf("x"))).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
  });

  it("reports an unreachable endpoint as DataStoreError naming the URI and the endpoint", async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const store = new S3BlobStore({ bucket: "any", endpoint, credentials: { accessKeyId: "k", secretAccessKey: "s" } });
    try {
      const error: unknown = await store.get(store.uriOf("x")).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataStoreError);
      expect((error as Error).message).toContain("s3://any/x");
      expect((error as Error).message).toContain(endpoint);
      expect((error as Error).message).toContain("ECONNREFUSED");
    } finally {
      store.destroy();
    }
  });

  it("keeps URIs, owns and root consistent with the prefix", async () => {
    const store = await s3({ prefix: "/nested/prefix/" });
    expect(store.root).toBe(`s3://${store.bucket}/nested/prefix`);
    expect(store.uriOf("a/b")).toBe(`s3://${store.bucket}/nested/prefix/a/b`);
    expect(store.owns(`s3://${store.bucket}/nested/prefixes/a`)).toBe(false);
    await expect(store.get(store.uriOf("a/b"))).rejects.toThrow(DataNotFoundError);
  });

  it("validates its options, naming the option and what is allowed", () => {
    const base = { bucket: "ok-bucket" };
    expect(() => new S3BlobStore({ bucket: "Bad_Bucket!" })).toThrow(InvalidOptionError);
    expect(() => new S3BlobStore({ ...base, prefix: "a/../b" })).toThrow(/invalid prefix/);
    expect(() => new S3BlobStore({ ...base, endpoint: "ftp://x" })).toThrow(/invalid endpoint "ftp:\/\/x"/);
    expect(() => new S3BlobStore({ ...base, listPageSize: 0 })).toThrow(/listPageSize/);
    expect(() => new S3BlobStore({ ...base, credentials: { accessKeyId: "", secretAccessKey: "s3cr3t" } })).toThrow(
      /invalid credentials/,
    );
    expect(() => new S3BlobStore({ ...base, credentials: { accessKeyId: "", secretAccessKey: "s3cr3t" } })).not.toThrow(
      /s3cr3t/,
    );
  });

  it("uses path-style URLs and checksums only when required, for S3-compatible servers", async () => {
    const store = await s3({ prefix: "config" });
    const config = store.client.config;
    expect(config.forcePathStyle).toBe(true);
    expect(await config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    expect(await config.responseChecksumValidation()).toBe("WHEN_REQUIRED");
    expect(await new S3Client({}).config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
