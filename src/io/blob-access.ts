// Reading and writing objects by URI for the data types: through the blob store that owns the URI, or straight
// from the local filesystem for `file://` URIs no store owns (files referenced outside a run). Uploads hash the
// bytes as they stream past, so a file's content hash costs no second read.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { fileURLToPath } from "node:url";
import type { BlobBody, BlobStore } from "../blob/index.js";
import { DataNotFoundError } from "../errors/index.js";
import { currentDataContext, storeForUri, type DataContext } from "./data-context.js";

export interface Written {
  readonly size: number;
  readonly hash: string;
}

/** A fresh URI under the current attempt's prefix; the random segment keeps same-named objects apart. */
export function newObjectUri(ctx: DataContext, name: string): string {
  return `${ctx.prefix}/${randomBytes(4).toString("hex")}/${encodeURIComponent(name)}`;
}

/** Writes `body` to `uri` through its store, returning the size and sha256 of what was written. */
export async function writeHashed(store: BlobStore, uri: string, body: BlobBody): Promise<Written> {
  const hasher = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hasher.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = typeof body === "string" || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
  source.on("error", (error: Error) => tap.destroy(error));
  await store.put(uri, source.pipe(tap));
  return { size, hash: hasher.digest("hex") };
}

/** sha256 and size of a local file, streamed. */
export async function hashLocalFile(localPath: string): Promise<Written> {
  const hasher = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(localPath) as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { size, hash: hasher.digest("hex") };
}

/** The local path of a `file://` URI, or undefined for other schemes. */
export function localPathOf(uri: string): string | undefined {
  return uri.startsWith("file://") ? fileURLToPath(uri) : undefined;
}

/** A stream of the object at `uri`. */
export async function openUri(uri: string, range?: { start: number; end?: number }): Promise<Readable> {
  const store = storeForUri(uri);
  if (store) return store.openRead(uri, range);
  const local = await existingLocalPath(uri);
  return createReadStream(local, range ? { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) } : {});
}

/** Copies the object at `uri` to `dest` (a local path), streaming. */
export async function downloadUri(uri: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const store = storeForUri(uri);
  if (store) return store.download(uri, dest);
  await copyFile(await existingLocalPath(uri), dest);
}

/** Size of the object at `uri`, or undefined when it does not exist. */
export async function sizeOfUri(uri: string): Promise<number | undefined> {
  const store = storeForUri(uri);
  if (store) return (await store.stat(uri))?.size;
  const local = localPathOf(uri);
  if (local === undefined) return undefined;
  return (await stat(local).catch(() => undefined))?.size;
}

/** Where to put a download of `name` when the caller gave no destination. */
export function scratchPath(name: string): string {
  const ctx = currentDataContext();
  const base = ctx?.scratchDir ?? path.join(process.cwd(), ".flyte", "downloads");
  return path.join(base, randomBytes(4).toString("hex"), name);
}

async function existingLocalPath(uri: string): Promise<string> {
  const local = localPathOf(uri);
  if (local === undefined) {
    throw new DataNotFoundError(
      `${uri} cannot be read here: no configured blob store owns it; configure the store it belongs to (e.g. S3 credentials and endpoint)`,
    );
  }
  const info = await stat(local).catch(() => undefined);
  if (!info) throw new DataNotFoundError(`${uri} does not exist; check the path, or create the file before passing it`);
  return local;
}
