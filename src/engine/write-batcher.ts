// Group commit for the RunStore: every write made during one turn of the event loop goes into one
// transaction, and each caller's promise resolves when that transaction has committed. A 10,000-way fan-out
// therefore costs a handful of transactions, and "recorded before it starts" still holds for every action.
// Batches commit one at a time, in order, so a later state change never overtakes an earlier one. A batch that
// only starts children, moves phases forward or appends logs is written "visible" (committed for every reader,
// flushed to disk a moment later): losing it to a database crash makes work run again but never loses a result,
// because every result is written durably and a database flushes its log in order.
import { TERMINAL_PHASES, type RunStore, type WriteOp } from "../store/index.js";

/** True for ops whose loss in a database crash only makes work run again (see the header). */
export function rerunOnLoss(op: WriteOp): boolean {
  switch (op.op) {
    case "action.insert":
      // A root action comes with its run, which a client was told exists: never relaxed.
      return op.action.parentName !== null && !TERMINAL_PHASES.has(op.action.phase);
    case "action.transition":
      return !TERMINAL_PHASES.has(op.transition.phase);
    case "log.append":
      return true;
    default:
      return false;
  }
}

interface Batch {
  readonly ops: WriteOp[];
  /** Every op so far is one whose loss only makes work run again. */
  rerunOnLoss: boolean;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class WriteBatcher {
  private readonly queue: Batch[] = [];
  /** The batch accepting new ops: the last one in `queue`, until it is full or starts committing. */
  private open: Batch | undefined;
  private draining: Promise<void> | undefined;
  private scheduled = false;
  private failure: unknown;

  constructor(
    private readonly store: RunStore,
    private readonly maxOps = 5_000,
  ) {}

  /** Queues ops for the next transaction; resolves once they are committed. */
  write(...ops: WriteOp[]): Promise<void> {
    const batch = this.openBatch();
    for (const op of ops) {
      batch.ops.push(op);
      batch.rerunOnLoss &&= rerunOnLoss(op);
      this.notify(op);
    }
    this.schedule();
    return batch.promise;
  }

  /** Queues an op nobody waits for (a log line); a failure is kept and re-thrown by `flush()`. */
  enqueue(op: WriteOp): void {
    const batch = this.openBatch();
    batch.ops.push(op);
    batch.rerunOnLoss &&= rerunOnLoss(op);
    this.notify(op);
    this.schedule();
  }

  /**
   * Calls `observer` synchronously with every op as it is queued (progress views, watchers). It must be
   * cheap and must not throw. Returns the function that removes it.
   */
  observe(observer: (op: WriteOp) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private readonly observers = new Set<(op: WriteOp) => void>();

  private notify(op: WriteOp): void {
    if (this.observers.size === 0) return;
    for (const observer of this.observers) observer(op);
  }

  /** Commits everything queued so far; throws the first failure of an op nobody waited for. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) await this.drain();
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private openBatch(): Batch {
    if (this.open && this.open.ops.length < this.maxOps) return this.open;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch((error: unknown) => {
      this.failure ??= error;
    });
    const batch: Batch = { ops: [], rerunOnLoss: true, promise, resolve, reject };
    this.queue.push(batch);
    this.open = batch;
    return batch;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private drain(): Promise<void> {
    this.draining ??= this.commitQueued().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async commitQueued(): Promise<void> {
    for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
      if (batch === this.open) this.open = undefined;
      try {
        await this.store.write(batch.ops, batch.rerunOnLoss ? "visible" : "durable");
        batch.resolve();
      } catch (error) {
        batch.reject(error);
      }
    }
  }
}
