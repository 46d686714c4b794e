// The folder BlobStore: objects are files under a local root folder, named by `file://` URIs. Writes land in a
// temp file in the same folder and are renamed into place, so a reader never sees a half-written object; copies
// use copy-on-write clones where the filesystem has them. Keys never leave the root (see uri.ts).
import { constants, type Dirent } from "node:fs";
import { copyFile, open, readFile, readdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import {
  DataAccessError,
  DataNotFoundError,
  DataStoreError,
  InvalidOptionError,
} from "../errors/index.js";
import { checkByteRange, type ByteRange } from "./byte-range.js";
import {
  errnoCode,
  isSourceError,
  isTempName,
  localFileSize,
  localWriteError,
  writeAtomically,
  watchSource,
  writeBody,
} from "./local-files.js";
import type { BlobBody, BlobInfo, BlobStore } from "./types.js";
import { isUnderRoot, keySegments, normalizeFileUri, segmentsUnder } from "./uri.js";

/** A key whose characters no file URL escapes. */
const PLAIN_KEY = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

// A hard link would be faster still, but it shares the inode: a task that later rewrites its local file in place
// (fs.writeFile truncates) would silently change the stored object. A clone (btrfs, XFS, APFS) is just as safe as
// a copy; elsewhere the flag falls back to a plain copy.
const COPY_MODE = constants.COPYFILE_FICLONE;

type Doing = "read" | "write";

/** Maps a filesystem error to a data error that names the URI and what to do about it. */
function fsError(error: unknown, uri: string, doing: Doing, path: string): Error {
  if (error instanceof DataNotFoundError || error instanceof InvalidOptionError) return error;
  const code = errnoCode(error);
  const options = { cause: error };
  if (doing === "read" && (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR")) {
    return new DataNotFoundError(`no object at "${uri}": check the URI, or write the object before reading it`, options);
  }
  // EEXIST: a file is where a parent folder must be made.
  if (doing === "write" && (code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST")) {
    return new DataAccessError(
      `cannot write "${uri}": part of its path is a file, or the object's name is taken by a folder of other ` +
        `objects; the folder store cannot hold both "a" and "a/b", so choose another key`,
      options,
    );
  }
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new DataAccessError(
      `cannot ${doing} "${uri}": permission denied on "${path}" (${code}); check the folder's owner and ` +
        `permissions, or point the store at a writable folder`,
      options,
    );
  }
  return new DataStoreError(
    `cannot ${doing} "${uri}" (${code ?? String(error)}): check the disk behind "${path}" (space, mount) and try again`,
    options,
  );
}

/**
 * A BlobStore rooted at a local folder; URIs are `file://` URLs of the files under it.
 * @example const store = new FolderBlobStore(".flyte/data"); await store.put(store.uriOf("a/b.txt"), "hi");
 */
export class FolderBlobStore implements BlobStore {
  readonly root: string;
  /** The absolute root folder. */
  readonly dir: string;
  /** The URI of a key under the root, without the key (see uriOf). */
  private readonly plainPrefix: string;

  constructor(dir: string) {
    if (typeof dir !== "string" || dir === "") {
      throw new InvalidOptionError(`FolderBlobStore: dir must be a non-empty path, got ${JSON.stringify(dir)}`);
    }
    this.dir = resolve(dir);
    this.root = pathToFileURL(this.dir).href.replace(/\/+$/, "");
    this.plainPrefix = pathToFileURL(join(this.dir, "_")).href.slice(0, -1);
  }

  owns(uri: string): boolean {
    return isUnderRoot(this.root, normalizeFileUri(uri));
  }

  uriOf(key: string): string {
    // Checks the key (no empty, "." or ".." segment) on both paths.
    const segments = keySegments(key);
    // Keys of characters a file URL never escapes (run and action names, hashes) skip building a URL: one is
    // made per run.
    if (PLAIN_KEY.test(key)) return `${this.plainPrefix}${key}`;
    return pathToFileURL(join(this.dir, ...segments)).href;
  }

  /** The local path of an object URI, after checking it is under the root and has a valid key. */
  pathOf(uri: string): string {
    const segments = segmentsUnder(this.root, normalizeFileUri(uri), { decode: true, allowTrailingSlash: false });
    return join(this.dir, ...segments);
  }

  async put(uri: string, body: BlobBody): Promise<BlobInfo> {
    const watch = body instanceof Readable ? watchSource(body) : undefined;
    const path = this.pathOf(uri);
    try {
      const size = await writeAtomically(path, (temp) => writeBody(temp, body, watch));
      return { uri: pathToFileURL(path).href, size };
    } catch (error) {
      if (isSourceError(error)) throw error;
      throw fsError(error, uri, "write", path);
    }
  }

  async putFile(uri: string, localPath: string): Promise<BlobInfo> {
    const path = this.pathOf(uri);
    const size = await localFileSize(localPath, uri);
    try {
      await writeAtomically(path, (temp) => copyFile(localPath, temp, COPY_MODE));
      return { uri: pathToFileURL(path).href, size };
    } catch (error) {
      throw fsError(error, uri, "write", path);
    }
  }

  async get(uri: string): Promise<Uint8Array> {
    const path = this.pathOf(uri);
    try {
      const bytes = await readFile(path);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw fsError(error, uri, "read", path);
    }
  }

  async openRead(uri: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(uri);
    const checked = checkByteRange(uri, range);
    // Opened here, not lazily by the stream, so a missing object rejects this call instead of erroring mid-read.
    const handle = await open(path, "r").catch((error: unknown) => {
      throw fsError(error, uri, "read", path);
    });
    try {
      // Opening a folder succeeds on Linux; it is still not an object.
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    } catch (error) {
      await handle.close();
      throw fsError(error, uri, "read", path);
    }
    const streamOptions = checked === undefined ? {} : { start: checked.start, end: checked.end ?? Infinity };
    return handle.createReadStream(streamOptions);
  }

  async download(uri: string, localPath: string): Promise<void> {
    const path = this.pathOf(uri);
    const info = await this.stat(uri);
    if (info === undefined) throw fsError(Object.assign(new Error("missing"), { code: "ENOENT" }), uri, "read", path);
    try {
      await writeAtomically(resolve(localPath), (temp) => copyFile(path, temp, COPY_MODE));
    } catch (error) {
      // The source vanished between stat and copy: that is the object missing, not the destination.
      if (errnoCode(error) === "ENOENT" && (await this.stat(uri)) === undefined) throw fsError(error, uri, "read", path);
      throw localWriteError(error, uri, localPath);
    }
  }

  async stat(uri: string): Promise<BlobInfo | undefined> {
    const path = this.pathOf(uri);
    try {
      const info = await stat(path);
      return info.isFile() ? { uri: pathToFileURL(path).href, size: info.size } : undefined;
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw fsError(error, uri, "read", path);
    }
  }

  async *list(prefixUri: string): AsyncIterable<BlobInfo> {
    const segments = segmentsUnder(this.root, normalizeFileUri(prefixUri), { decode: true, allowTrailingSlash: true });
    yield* this.walk(join(this.dir, ...segments), prefixUri);
  }

  async delete(uri: string): Promise<void> {
    const path = this.pathOf(uri);
    try {
      await unlink(path);
    } catch (error) {
      const code = errnoCode(error);
      // Deleting what is not there is done already, like S3's DeleteObject.
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return;
      throw fsError(error, uri, "write", path);
    }
  }

  /** Depth-first in UTF-8 key order: a folder sorts as its name plus "/", so "a-b" < "a.b" < "a/x" as in S3. */
  private async *walk(folder: string, prefixUri: string): AsyncGenerator<BlobInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw fsError(error, prefixUri, "read", folder);
    }
    const named: { name: string; isDir: boolean; sortKey: Buffer }[] = [];
    for (const entry of entries) {
      if (isTempName(entry.name)) continue;
      // Links to folders are not followed (a link to an ancestor would never end); links to files are objects.
      const isDir = entry.isDirectory();
      named.push({ name: entry.name, isDir, sortKey: Buffer.from(isDir ? `${entry.name}/` : entry.name) });
    }
    named.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    for (const { name, isDir } of named) {
      const path = join(folder, name);
      if (isDir) {
        yield* this.walk(path, prefixUri);
        continue;
      }
      // Deleted since readdir, or a dangling link or a socket: not an object.
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() === true) yield { uri: pathToFileURL(path).href, size: info.size };
    }
  }
}
