// An in-process S3-compatible server (s3rver 3.7) for tests: a free port on 127.0.0.1, a temp folder, one bucket
// created up front, no logging. close() stops the server and removes the folder; a failed start cleans up too.
// Three s3rver gaps that real S3 does not have are patched below (listing order, pagination, atomic PUTs).
import crypto from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}
interface S3rverStore {
  listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}
interface S3rverInstance {
  store: S3rverStore;
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver ships no types; it is a CommonJS module, loaded as one.
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

export interface S3Server {
  /** e.g. `http://127.0.0.1:43121` */
  readonly endpoint: string;
  readonly bucket: string;
  /** The only key pair s3rver knows. It checks the key id but not SigV4 signatures, so any secret passes. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * s3rver lists in directory order and pages by "keys after the last one returned", which loses keys when the
 * order is not sorted. S3 lists in UTF-8 key order: list everything, sort, then apply startAfter and maxKeys.
 */
function sortListings(store: S3rverStore): void {
  const listAll = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const all = await listAll(bucket, { ...options, startAfter: "", maxKeys: Infinity });
    const startAfter = options.startAfter ?? "";
    const maxKeys = options.maxKeys ?? Infinity;
    const sorted = all.objects.filter((o) => byUtf8(o.key, startAfter) > 0).sort((a, b) => byUtf8(a.key, b.key));
    const objects = sorted.slice(0, maxKeys);
    return { ...all, objects, isTruncated: sorted.length > objects.length };
  };
}

/**
 * s3rver writes an object in place and answers before the bytes are flushed, so racing PUTs of one key
 * interleave and a GET right after a PUT can read a short file. S3's PUT is atomic: write a temp file (not
 * listed: it lacks s3rver's object suffix), rename it into place, and run PUTs of one key one after another.
 */
function atomicPuts(store: S3rverStore): void {
  const queues = new Map<string, Promise<unknown>>();
  const putOne = async (object: S3rverObject): Promise<{ size: number; md5: string }> => {
    const path = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    const md5 = crypto.createHash("md5");
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(content, measure, createWriteStream(temp));
      await rename(temp, path);
    } finally {
      await rm(temp, { force: true });
    }
    const digest = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
  store.putObject = (object) => {
    const id = `${object.bucket}/${object.key}`;
    const result = (queues.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => putOne(object));
    queues.set(id, result);
    void result.finally(() => {
      if (queues.get(id) === result) queues.delete(id);
    }).catch(() => undefined);
    return result;
  };
}

// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer offers, so
// every truncated page fails with a 500. While a server runs, "des" is served by AES-128-CBC with the 8-byte key
// and IV doubled; nothing else in a test process asks for DES.
let desShimUsers = 0;
const original = { createCipheriv: crypto.createCipheriv, createDecipheriv: crypto.createDecipheriv };
const double = (b: crypto.BinaryLike | crypto.KeyObject | null): Buffer => {
  const bytes = Buffer.from(b as Buffer);
  return Buffer.concat([bytes, bytes]);
};
function useDesShim(): () => void {
  if (desShimUsers++ === 0) {
    const cipher = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
      algorithm === "des"
        ? original.createCipheriv("aes-128-cbc", double(key), double(iv))
        : original.createCipheriv(algorithm, key, iv, options as never)) as typeof crypto.createCipheriv;
    const decipher = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) =>
      algorithm === "des"
        ? original.createDecipheriv("aes-128-cbc", double(key), double(iv))
        : original.createDecipheriv(algorithm, key, iv, options as never)) as typeof crypto.createDecipheriv;
    crypto.createCipheriv = cipher;
    crypto.createDecipheriv = decipher;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--desShimUsers === 0) Object.assign(crypto, original);
  };
}

export async function startS3Server(bucket = "flyte-test"): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "flyte-s3rver-"));
  const releaseShim = useDesShim();
  let server: S3rverInstance | undefined;
  const cleanup = async (): Promise<void> => {
    releaseShim();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    sortListings(server.store);
    atomicPuts(server.store);
    const { port } = await server.run();
    const running = server;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      close: async () => {
        try {
          await running.close();
        } finally {
          await cleanup();
        }
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await cleanup();
    throw error;
  }
}
