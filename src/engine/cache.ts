// Task output cache. Key = hash(task identity, interface hash, inputs, version, salt). Lookups made in the
// same event-loop turn share one store query. `serialize` makes identical calls take turns (a per-key chain
// in this process, plus a reservation in the store across processes) so only the first one executes.
import { randomUUID } from "node:crypto";
import { decodeValue, encodeIdentity, hasCodecValues, hashText } from "../io/index.js";
import type { CacheEntry, RunStore } from "../store/index.js";
import type { TaskTemplate } from "./types.js";

const RESERVATION_TTL_MS = 30_000;
const RESERVATION_POLL_MS = 100;

/** The cache key of a call, or null when the task does not cache. */
export function cacheKeyFor(task: TaskTemplate, decoded: readonly unknown[] | undefined, encodedInputs: string): string | null {
  const { cache } = task;
  if (cache.behavior === "disable") return null;
  const version = cache.behavior === "override" ? (cache.versionOverride ?? "") : task.codeHash;
  const ignored = cache.ignoredInputs;
  const ignoring = ignored !== undefined && ignored.length > 0;
  let inputs = encodedInputs;
  // Files, directories and data frames count by their content, not by where they are stored.
  if (ignoring || hasCodecValues(encodedInputs)) {
    const args = decoded ?? (decodeValue(encodedInputs) as unknown[]);
    const keyArgs = ignoring ? args.map((arg, i) => (ignored.includes(task.inputNames[i] ?? "") ? null : arg)) : args;
    inputs = encodeIdentity(keyArgs, { what: `inputs of task ${task.id}` });
  }
  return hashText(`${task.id}\u0000${task.interfaceHash}\u0000${version}\u0000${cache.salt ?? ""}\u0000${hashText(inputs)}`);
}

interface PendingLookup {
  resolve: (entry: CacheEntry | undefined) => void;
  reject: (error: unknown) => void;
}

export class CacheSystem {
  /** Identifies this engine as the holder of store reservations. */
  readonly owner = randomUUID();
  private readonly pending = new Map<string, PendingLookup[]>();
  private scheduled = false;
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly store: RunStore) {}

  lookup(key: string): Promise<CacheEntry | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flushLookups());
      }
    });
  }

  /**
   * Runs `fn` for `key` only after every earlier call for the same key (in this process) has finished and
   * while this engine holds the store reservation, so a second call can find the first one's cache entry.
   */
  serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.withReservation(key, fn));
    const tail = turn.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return turn;
  }

  private async withReservation<T>(key: string, fn: () => Promise<T>): Promise<T> {
    while (!(await this.store.reserveCache(key, this.owner, RESERVATION_TTL_MS, Date.now()))) {
      // Another process is computing this entry; once it is written our fn finds it and returns at once.
      if ((await this.store.getCacheEntries([key])).has(key)) break;
      await new Promise((resolve) => setTimeout(resolve, RESERVATION_POLL_MS));
    }
    const refresh = setInterval(() => {
      void this.store.reserveCache(key, this.owner, RESERVATION_TTL_MS, Date.now()).catch(() => undefined);
    }, RESERVATION_TTL_MS / 3);
    try {
      return await fn();
    } finally {
      clearInterval(refresh);
      await this.store.releaseCache(key, this.owner);
    }
  }

  private async flushLookups(): Promise<void> {
    this.scheduled = false;
    const batch = new Map(this.pending);
    this.pending.clear();
    try {
      const found = await this.store.getCacheEntries([...batch.keys()]);
      for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
