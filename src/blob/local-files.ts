// Atomic local writes shared by both stores: the bytes go to a temp file in the destination's folder and are
// renamed into place, so a reader (or a crash) never leaves a half-written file under the final name.
// Temp files carry a fixed name pattern so the folder store can leave them out of listings.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Stream } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataAccessError, DataNotFoundError, DataStoreError, InvalidOptionError } from "../errors/index.js";
import type { BlobBody } from "./types.js";

const TEMP_NAME = /^\.flyte-tmp-[0-9a-f]{16}$/;

/** Whether a directory entry is an in-flight temp file (never an object). */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Runs `write(tempPath)` and renames the result to `path`, creating parent folders first. The temp file is
 * removed when anything fails, so a failed write leaves nothing behind.
 */
export async function writeAtomically<T>(path: string, write: (tempPath: string) => Promise<T>): Promise<T> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  // A short fixed-length name: a long final name plus a suffix could exceed the 255-byte name limit.
  const tempPath = join(folder, `.flyte-tmp-${randomBytes(8).toString("hex")}`);
  try {
    const result = await write(tempPath);
    await rename(tempPath, path);
    return result;
  } catch (error) {
    await rm(tempPath, { force: true, recursive: true }).catch(() => undefined);
    throw error;
  }
}

/** The size of a body that is already in memory. */
export function bodySize(body: Uint8Array | string): number {
  return typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
}

// Errors of a caller's own body stream: rethrown as they are, since they say nothing about the store.
const sourceErrors = new WeakSet<object>();

/** Whether `error` came from the body stream the caller passed in rather than from the store. */
export function isSourceError(error: unknown): boolean {
  return typeof error === "object" && error !== null && sourceErrors.has(error);
}

export interface SourceWatch {
  /** Watches the stream the source is piped into: a failure seen there first is not the source's. */
  addSink(sink: Stream): void;
  /** Marks the source's error (see isSourceError) when the source was the first to fail. */
  settle(): void;
}

/**
 * Starts watching a caller's body stream; call it before any `await`, so a stream that fails early has a
 * listener and cannot crash the process. A pipeline hands one failure to every stream in it, so which stream
 * failed is only known by which one reported first.
 */
export function watchSource(source: Stream): SourceWatch {
  let first: "source" | "sink" | undefined;
  let sourceError: unknown;
  source.on("error", (error: unknown) => {
    first ??= "source";
    sourceError ??= error;
  });
  return {
    addSink(sink) {
      sink.on("error", () => {
        first ??= "sink";
      });
    },
    settle() {
      if (first === "source" && typeof sourceError === "object" && sourceError !== null) sourceErrors.add(sourceError);
    },
  };
}

/**
 * Writes a body to `path` (streams are piped, never collected) and returns the number of bytes written.
 * A stream body needs the watch its caller started with watchSource.
 */
export async function writeBody(path: string, body: BlobBody, watch: SourceWatch | undefined): Promise<number> {
  if (typeof body === "string" || body instanceof Uint8Array) {
    await writeFile(path, body);
    return bodySize(body);
  }
  const out = createWriteStream(path);
  watch?.addSink(out);
  try {
    await pipeline(body, out);
  } finally {
    watch?.settle();
  }
  return out.bytesWritten;
}

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A failure writing a download's destination: the local side is at fault, so the message names the local path. */
export function localWriteError(error: unknown, uri: string, localPath: string): Error {
  const code = errnoCode(error);
  const message = `cannot download "${uri}" to "${localPath}" (${code ?? String(error)})`;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOTDIR" || code === "EISDIR") {
    return new DataAccessError(`${message}: choose a destination you can write, whose parent is a folder`, {
      cause: error,
    });
  }
  return new DataStoreError(`${message}: check the local disk (space, mount) and try again`, { cause: error });
}

/** The size of an upload's source file; a missing or unreadable source is the caller's mistake, named as such. */
export async function localFileSize(localPath: string, uri: string): Promise<number> {
  const cannot = `cannot upload "${localPath}" to "${uri}"`;
  let info;
  try {
    info = await stat(localPath);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new DataNotFoundError(`${cannot}: the local file does not exist; check the path`, { cause: error });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new DataAccessError(`${cannot}: permission denied; check the file's permissions`, { cause: error });
    }
    throw new DataStoreError(`${cannot} (${code ?? String(error)}): check the local disk and try again`, {
      cause: error,
    });
  }
  if (!info.isFile()) {
    throw new InvalidOptionError(`${cannot}: it is not a regular file; upload the files of a folder one by one`);
  }
  return info.size;
}
