// The resources an engine is built from, created once and handed explicitly to each part that needs them.
import type { BlobStore } from "../blob/index.js";
import type { RunStore } from "../store/index.js";
import type { CacheSystem } from "./cache.js";
import type { LocalSecrets } from "./local-secrets.js";
import type { Executor } from "./types.js";
import { offloadIfLarge } from "./value-offload.js";
import type { WriteBatcher } from "./write-batcher.js";

export interface EngineResources {
  readonly store: RunStore;
  readonly batcher: WriteBatcher;
  readonly cache: CacheSystem;
  /** Where runs keep their raw data (files, data frames) and values too large for the RunStore. */
  readonly blobs: BlobStore;
  /** Encoded values longer than this (in characters) are offloaded to `blobs`. */
  readonly inlineLimit: number;
  /** Runs some tasks' attempts in worker processes; without one every task runs in this process. */
  readonly executor?: Executor | undefined;
  /** Declared secrets of tasks run in this process, from its environment (local mode); without it they are not checked. */
  readonly localSecrets?: LocalSecrets | undefined;
}

/** The form of an encoded value to put in the RunStore: itself, or a pointer to a blob when it is too large. */
export async function storedValue(resources: EngineResources, encoded: string, uri: string): Promise<string> {
  return encoded.length <= resources.inlineLimit ? encoded : offloadIfLarge(encoded, resources.blobs, uri, resources.inlineLimit);
}
