// Large values leave the database: an encoded input or output longer than the inline limit is written to the
// blob store and the action row keeps a small pointer instead. Loading is the inverse. Both are a length or
// prefix check on the hot path, so values under the limit cost nothing.
import type { BlobStore } from "../blob/index.js";
import { storeForUri } from "../io/data-context.js";
import { DataNotFoundError } from "../errors/index.js";

/** Default inline limit: 1 MiB of encoded text. */
export const DEFAULT_INLINE_LIMIT = 1024 * 1024;

const POINTER_PREFIX = '{"$t":"offloaded","v":';

export interface ValuePointer {
  readonly uri: string;
  readonly size: number;
}

/** Writes `encoded` to `uri` when it is over `limit` and returns the pointer text; otherwise returns it as is. */
export async function offloadIfLarge(encoded: string, store: BlobStore, uri: string, limit: number): Promise<string> {
  if (encoded.length <= limit) return encoded;
  const info = await store.put(uri, encoded);
  return `${POINTER_PREFIX}${JSON.stringify({ uri: info.uri, size: info.size } satisfies ValuePointer)}}`;
}

function isOffloaded(stored: string): boolean {
  return stored.startsWith(POINTER_PREFIX);
}

/** The encoded value behind a stored value (reading the blob when it was offloaded). */
export async function loadStoredValue(stored: string): Promise<string> {
  if (!isOffloaded(stored)) return stored;
  const pointer = JSON.parse(stored.slice(POINTER_PREFIX.length, -1)) as ValuePointer;
  const store = storeForUri(pointer.uri);
  if (!store) throw new DataNotFoundError(`value stored at ${pointer.uri} cannot be read: no configured blob store owns it`);
  return Buffer.from(await store.get(pointer.uri)).toString("utf8");
}
