// Routes the engine's write ops to the feeds clients watch: one feed per watched run (its actions and the run)
// and one for the run list. The engine is observed only while some feed exists, so runs nobody watches pay
// nothing. Before every read a feed waits for the writes queued so far to commit (a write barrier), because
// ops are observed when queued, not when stored.
import type { LocalEngine } from "../engine/index.js";
import { TERMINAL_PHASES, type ActionRecord, type ListRunsQuery, type RunRecord, type WriteOp } from "../store/index.js";
import { actionView, runView } from "./views.js";
import { WatchFeed, type FeedRead, type WatchEvent, type WatchSink } from "./watch-feed.js";

/** Coalescing window: a client gets at most one update per action per this many milliseconds. */
export const WATCH_INTERVAL_MS = 50;
/** Actions per `action` event: keeps each event small enough to parse without stalling a browser. */
export const ACTIONS_PER_EVENT = 1000;
/** Above this many dirty actions one scan of the run is cheaper than a lookup each. */
const SCAN_THRESHOLD = 64;
/** The run's own dirty key; action names never contain NUL. */
const RUN_KEY = "\u0000run";

export interface WatchHubOptions {
  readonly intervalMs?: number;
  readonly log: (message: string) => void;
}

export class WatchHub {
  private readonly runFeeds = new Map<string, WatchFeed>();
  private listFeed: WatchFeed | undefined;
  private stopObserving: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly engine: LocalEngine,
    private readonly options: WatchHubOptions,
  ) {}

  /** Feeds with at least one client (or a pending one); for tests and metrics. */
  get activeFeeds(): number {
    return this.runFeeds.size + (this.listFeed ? 1 : 0);
  }

  /** Whether the engine's writes are being observed (only while some feed exists). */
  get observing(): boolean {
    return this.stopObserving !== undefined;
  }

  /** Streams one run to `sink`: a `snapshot`, then `action`/`run` events, then `end` once the run is terminal. */
  watchRun(runName: string, sink: WatchSink): () => void {
    if (this.closed) return endAtOnce(sink);
    let feed = this.runFeeds.get(runName);
    if (!feed) {
      const created = this.newFeed((keys) => this.readRun(runName, keys), () => this.forgetRunFeed(runName, created));
      feed = created;
      this.runFeeds.set(runName, feed);
    }
    this.observe();
    feed.join(sink, () => this.runSnapshot(runName));
    const joined = feed;
    return () => joined.leave(sink);
  }

  /** Streams the run list: a `snapshot` of the newest runs (per `query`), then `runs` events with changed runs. */
  watchRuns(query: ListRunsQuery, sink: WatchSink): () => void {
    if (this.closed) return endAtOnce(sink);
    if (!this.listFeed) {
      const created = this.newFeed(
        (keys) => this.readRuns(keys),
        () => {
          if (this.listFeed === created) this.listFeed = undefined;
          this.unobserveWhenIdle();
        },
      );
      this.listFeed = created;
    }
    this.observe();
    const feed = this.listFeed;
    feed.join(sink, async () => {
      await this.barrier();
      const runs = await this.engine.store.listRuns(query);
      return { events: [{ event: "snapshot", data: { runs: runs.map(runView) } }], done: false };
    });
    return () => feed.leave(sink);
  }

  /** Ends every stream (server shutdown) and stops observing the engine. */
  close(): void {
    this.closed = true;
    for (const feed of [...this.runFeeds.values()]) feed.close();
    this.listFeed?.close();
    this.stopObserving?.();
    this.stopObserving = undefined;
  }

  private newFeed(read: (keys: ReadonlySet<string>) => Promise<FeedRead>, onIdle: () => void): WatchFeed {
    return new WatchFeed({
      read,
      onIdle,
      intervalMs: this.options.intervalMs ?? WATCH_INTERVAL_MS,
      onError: (error) => this.options.log(`watch stream failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
  }

  private forgetRunFeed(runName: string, feed: WatchFeed): void {
    if (this.runFeeds.get(runName) === feed) this.runFeeds.delete(runName);
    this.unobserveWhenIdle();
  }

  private observe(): void {
    this.stopObserving ??= this.engine.observe((op) => this.route(op));
  }

  private unobserveWhenIdle(): void {
    if (this.runFeeds.size > 0 || this.listFeed) return;
    this.stopObserving?.();
    this.stopObserving = undefined;
  }

  /** Called synchronously for every queued write: keep it to a map lookup and a set insert. */
  private route(op: WriteOp): void {
    switch (op.op) {
      case "run.insert":
        return this.runChanged(op.run.name);
      case "run.transition":
        return this.runChanged(op.transition.name);
      case "run.requestAbort":
        return this.runChanged(op.name);
      case "action.insert":
        return this.runFeeds.get(op.action.runName)?.mark(op.action.name);
      case "action.transition":
        return this.runFeeds.get(op.transition.runName)?.mark(op.transition.name);
      default:
        // Attempts, cache entries, logs and reports do not change what a watch shows.
        return;
    }
  }

  private runChanged(runName: string): void {
    this.runFeeds.get(runName)?.mark(RUN_KEY);
    this.listFeed?.mark(runName);
  }

  /** Resolves once every write queued before the call has committed. */
  private barrier(): Promise<void> {
    return this.engine.resources.batcher.committed();
  }

  private async runSnapshot(runName: string): Promise<FeedRead> {
    await this.barrier();
    const run = await this.engine.store.getRun(runName);
    if (!run) return { events: [{ event: "end", data: { run: null } }], done: true };
    const actions = await this.engine.store.listActions(runName);
    const events: WatchEvent[] = [{ event: "snapshot", data: { run: runView(run), actions: actions.map(actionView) } }];
    const done = TERMINAL_PHASES.has(run.phase);
    if (done) events.push(endEvent(run));
    return { events, done };
  }

  private async readRun(runName: string, keys: ReadonlySet<string>): Promise<FeedRead> {
    await this.barrier();
    const { store } = this.engine;
    const names = [...keys].filter((key) => key !== RUN_KEY);
    let actions: ActionRecord[];
    if (names.length > SCAN_THRESHOLD) {
      actions = (await store.listActions(runName)).filter((action) => keys.has(action.name));
    } else {
      const found = await Promise.all(names.map((name) => store.getAction(runName, name)));
      actions = found.filter((action): action is ActionRecord => action !== undefined);
    }
    const events: WatchEvent[] = [];
    for (let i = 0; i < actions.length; i += ACTIONS_PER_EVENT) {
      events.push({ event: "action", data: { actions: actions.slice(i, i + ACTIONS_PER_EVENT).map(actionView) } });
    }
    if (!keys.has(RUN_KEY)) return { events, done: false };
    const run = await store.getRun(runName);
    if (!run) return { events, done: false };
    events.push({ event: "run", data: { run: runView(run) } });
    const done = TERMINAL_PHASES.has(run.phase);
    if (done) events.push(endEvent(run));
    return { events, done };
  }

  private async readRuns(keys: ReadonlySet<string>): Promise<FeedRead> {
    await this.barrier();
    const found = await Promise.all([...keys].map((name) => this.engine.store.getRun(name)));
    const runs = found.filter((run): run is RunRecord => run !== undefined);
    return { events: runs.length > 0 ? [{ event: "runs", data: { runs: runs.map(runView) } }] : [], done: false };
  }
}

function endEvent(run: RunRecord): WatchEvent {
  return { event: "end", data: { run: runView(run) } };
}

function endAtOnce(sink: WatchSink): () => void {
  sink.end();
  return () => {};
}
