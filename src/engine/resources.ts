// The resources an engine is built from, created once and handed explicitly to each part that needs them.
import type { RunStore } from "../store/index.js";
import type { CacheSystem } from "./cache.js";
import type { WriteBatcher } from "./write-batcher.js";

export interface EngineResources {
  readonly store: RunStore;
  readonly batcher: WriteBatcher;
  readonly cache: CacheSystem;
  /** Folder under which each run gets its raw-data folder. */
  readonly dataDir: string;
}
