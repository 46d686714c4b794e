// One coalescing feed of changes (the actions of one run, or the run list), shared by every client watching it.
// Writes only mark keys dirty; at most once per interval the feed reads the current state of the dirty keys from
// the store and sends it to all clients in a few batched events. Reads and snapshots run one at a time, in
// order, so a client that gets its snapshot never afterwards receives state older than that snapshot.

export interface WatchEvent {
  readonly event: string;
  readonly data: unknown;
}

/** A client of a feed. `send` must not throw or block; `closed` turns true once it stops listening. */
export interface WatchSink {
  readonly closed: boolean;
  send(events: readonly WatchEvent[]): void;
  /** No more events will come: the watched run ended, the server stops, or the feed failed. */
  end(): void;
}

export interface FeedRead {
  readonly events: WatchEvent[];
  /** The watched thing is over (a terminal run): every client gets these events, then `end()`. */
  readonly done: boolean;
}

export interface FeedOptions {
  /** Reads the current state of `keys` (each marked dirty since the previous read). */
  readonly read: (keys: ReadonlySet<string>) => Promise<FeedRead>;
  readonly intervalMs: number;
  /** Called once when the feed has no clients left, or ended: the owner forgets it. */
  readonly onIdle: () => void;
  readonly onError: (error: unknown) => void;
}

export class WatchFeed {
  private dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly sinks = new Set<WatchSink>();
  private pendingJoins = 0;
  private ended = false;

  constructor(private readonly options: FeedOptions) {}

  /** Records that `key` changed; a read follows within one interval. Cheap: called for every write op. */
  mark(key: string): void {
    if (this.ended) return;
    this.dirty.add(key);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.flush());
    }, this.options.intervalMs);
  }

  /**
   * Adds a client: it first gets the events of `snapshot` (read in turn with the feed's own reads, so no change
   * falls between the snapshot and the live events), then every later batch.
   */
  join(sink: WatchSink, snapshot: () => Promise<FeedRead>): void {
    this.pendingJoins++;
    this.enqueue(async () => {
      this.pendingJoins--;
      if (sink.closed || this.ended) {
        if (!sink.closed) sink.end();
        this.idleCheck();
        return;
      }
      try {
        const { events, done } = await snapshot();
        sink.send(events);
        if (done) sink.end();
        else this.sinks.add(sink);
      } catch (error) {
        this.options.onError(error);
        sink.send([failureEvent()]);
        sink.end();
      }
      this.idleCheck();
    });
  }

  leave(sink: WatchSink): void {
    this.sinks.delete(sink);
    this.idleCheck();
  }

  /** Ends every client and stops (server shutdown). */
  close(): void {
    this.finish([]);
  }

  private async flush(): Promise<void> {
    if (this.ended || this.dirty.size === 0) return;
    const keys = this.dirty;
    this.dirty = new Set();
    try {
      const { events, done } = await this.options.read(keys);
      if (events.length > 0) for (const sink of this.sinks) if (!sink.closed) sink.send(events);
      if (done) this.finish([]);
    } catch (error) {
      this.options.onError(error);
      this.finish([failureEvent()]);
    }
  }

  private finish(events: WatchEvent[]): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const sink of this.sinks) {
      if (sink.closed) continue;
      if (events.length > 0) sink.send(events);
      sink.end();
    }
    this.sinks.clear();
    this.options.onIdle();
  }

  private idleCheck(): void {
    if (this.ended || this.sinks.size > 0 || this.pendingJoins > 0) return;
    this.finish([]);
  }

  private enqueue(job: () => Promise<void>): void {
    // Jobs catch their own errors; the guard only keeps one broken job from stopping the chain.
    this.chain = this.chain.then(job).catch((error: unknown) => this.options.onError(error));
  }
}

function failureEvent(): WatchEvent {
  return { event: "error", data: { error: { code: "INTERNAL", message: "the server could not read the watched state; watch again" } } };
}
