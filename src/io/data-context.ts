// Where the data types (File, Dir, DataFrame, offloaded values) read and write: the blob store of the running
// action and the URI prefix its attempt owns. The engine provides it (io must not import the engine); outside a
// run there is none and the data types work on local paths directly.
import { AsyncLocalStorage } from "node:async_hooks";
import type { BlobStore } from "../blob/index.js";
import { processGlobal } from "../process-global.js";

export interface DataContext {
  readonly store: BlobStore;
  /** URI prefix owned by the current action attempt: new objects go below it, so a retry never sees a half-written file. */
  readonly prefix: string;
  /** Local folder for downloads and scratch files of the current attempt. */
  readonly scratchDir: string;
}

type Provider = () => DataContext | undefined;

const state = processGlobal("data-context", () => ({ provider: undefined as Provider | undefined, stores: new Set<BlobStore>() }));

/** Installed by the engine: returns the context of the action whose code is running. */
export function setDataContextProvider(provider: Provider): void {
  state.provider = provider;
}

/** The data context of the code running now: an explicit scope (withDataContext), else the running action's. */
export function currentDataContext(): DataContext | undefined {
  return scoped.getStore() ?? state.provider?.();
}

const scoped = processGlobal("data-context-scope", () => new AsyncLocalStorage<DataContext>());

/**
 * Runs `fn` with `ctx` as the data context, e.g. to store a run's File inputs before the run starts.
 * @example await withDataContext({ store, prefix: store.uriOf("inputs/r1"), scratchDir }, () => File.fromLocal(p))
 */
export function withDataContext<T>(ctx: DataContext, fn: () => T): T {
  return scoped.run(ctx, fn);
}

/** Makes a store known, so URIs under its root can be read from anywhere in the process. */
export function registerBlobStore(store: BlobStore): void {
  state.stores.add(store);
}

/** The known store that owns `uri`, if any. */
export function storeForUri(uri: string): BlobStore | undefined {
  const current = currentDataContext()?.store;
  if (current?.owns(uri)) return current;
  for (const store of state.stores) if (store.owns(uri)) return store;
  return undefined;
}
