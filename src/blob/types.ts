// The BlobStore seam: where files, directories, data frames and offloaded values live. Objects are named by
// URIs (`file:///abs/path` for the folder store, `s3://bucket/key` for S3-compatible stores); a store answers
// for the URIs under its root. Bodies stream both ways so large objects never sit in memory.
import type { Readable } from "node:stream";

export interface BlobInfo {
  readonly uri: string;
  readonly size: number;
}

export type BlobBody = Uint8Array | string | Readable;

export interface BlobStore {
  /** The root every URI of this store starts with, e.g. `file:///home/me/.flyte/data` or `s3://bucket/prefix`. */
  readonly root: string;
  /** Whether `uri` belongs to this store. */
  owns(uri: string): boolean;
  /** The URI of `key` (a relative, "/"-separated path) under the root. */
  uriOf(key: string): string;

  /** Writes an object (streaming when `body` is a stream; S3 uses multipart uploads for large bodies). */
  put(uri: string, body: BlobBody): Promise<BlobInfo>;
  /** Uploads a local file without reading it into memory. */
  putFile(uri: string, localPath: string): Promise<BlobInfo>;
  /** The whole object (for small objects). */
  get(uri: string): Promise<Uint8Array>;
  /** A stream of the object's bytes, optionally a byte range [start, end] inclusive. */
  openRead(uri: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** Downloads an object to a local file without holding it in memory. */
  download(uri: string, localPath: string): Promise<void>;
  /** Size of an object, or undefined when it does not exist. */
  stat(uri: string): Promise<BlobInfo | undefined>;
  /** Objects under a prefix URI (recursively), in key order. */
  list(prefixUri: string): AsyncIterable<BlobInfo>;
  delete(uri: string): Promise<void>;
}
