// Group commit for the RunStore: every write made during one turn of the event loop goes into one
// transaction, and each caller's promise resolves when that transaction has committed. A 10,000-way fan-out
// therefore costs a handful of transactions. Batches commit one at a time, in order, so a later state change
// never overtakes an earlier one, and a write that depends on another (a child's outcome on its start record)
// is never stored without it.
//
// Three refinements keep a sequential chain at one commit per step, off the chain's path:
// - Writes nobody waits for yet (`writeSoon`: a child's start record, which is awaited only with its outcome; log
//   lines) linger for up to LINGER_MS, so a child that finishes quickly is recorded with its outcome in one commit.
// - Under the "runs" policy, a batch that does not create, end or abort a run is committed "visible" (readable at
//   once, flushed to disk a moment later). Databases flush their log in order, so the durable commit that ends a
//   run also makes everything before it durable; a crash of the database host can only lose a suffix of progress
//   inside unfinished runs, whose work then runs again. "full" makes every commit wait for the disk.
// - Under "runs", a parent also goes on as soon as its child's outcome is queued (`progress`), while the outcome
//   commits: anything the parent does next is written after it, so a crash loses a suffix, never a middle. For
//   the same reason a failed commit stops its runs' later writes: they fail instead of leaving a hole.
import { RuntimeSystemError } from "../errors/index.js";
import { runNameOf, withTransition, type RunStore, type WriteOp } from "../store/index.js";

/** How long writes nobody waits for may wait for company before they commit on their own. */
const LINGER_MS = 5;

/**
 * "runs" (the default): a run's creation, its end and abort requests are on disk before anyone is told; the
 * progress inside a run (starts, outcomes, attempts, logs, cache entries) is committed visibly and reaches the disk
 * within moments, in order, and a parent goes on before its child's outcome has committed. "full": every commit
 * waits for the disk, and every writer for its commit.
 */
export type DurabilityPolicy = "runs" | "full";

/** True for ops a client is told about (a run created, ended or asked to abort; a deleted cache entry). */
export function mustFlush(op: WriteOp): boolean {
  switch (op.op) {
    case "run.insert":
    case "run.transition":
    case "run.requestAbort":
    case "cache.delete":
      return true;
    default:
      return false;
  }
}

/** The error a run's later writes fail with once one of its commits failed with `cause`. */
function refusal(run: string, cause: unknown): RuntimeSystemError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RuntimeSystemError(
    `a write of run ${run} failed to commit (${reason}), so its later writes are refused rather than stored with a gap; ` +
      "resume the run once the store works again",
    { cause },
  );
}

/** The run or action row an insert or transition writes (one key for both); undefined for other ops. */
function rowOf(op: WriteOp): string | undefined {
  switch (op.op) {
    case "action.insert":
      return `a\u0000${op.action.runName}\u0000${op.action.name}`;
    case "action.transition":
      return `a\u0000${op.transition.runName}\u0000${op.transition.name}`;
    case "run.insert":
      return `r\u0000${op.run.name}`;
    case "run.transition":
      return `r\u0000${op.transition.name}`;
    default:
      return undefined;
  }
}

/**
 * `insert` with `op` applied when `op` transitions the row `insert` creates, so that a child that starts and ends
 * within one batch is one written row instead of an insert and an update (the stores' result is the same: ops
 * touch only their own rows). Undefined when `op` is not such a transition.
 */
function folded(insert: WriteOp, op: WriteOp): WriteOp | undefined {
  if (insert.op === "action.insert" && op.op === "action.transition") {
    return { op: "action.insert", action: withTransition(insert.action, op.transition) };
  }
  if (insert.op === "run.insert" && op.op === "run.transition") {
    return { op: "run.insert", run: withTransition(insert.run, op.transition) };
  }
  return undefined;
}

interface Batch {
  readonly ops: WriteOp[];
  /** Where the insert of each run and action row this batch creates is in `ops`, by rowOf. */
  readonly inserts: Map<string, number>;
  /** Some op in it must be on disk before its writer is told it committed. */
  mustFlush: boolean;
  /** Someone waits for it: commit at the next turn of the event loop rather than after LINGER_MS. */
  urgent: boolean;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface WriteBatcherOptions {
  readonly maxOps?: number | undefined;
  readonly durability?: DurabilityPolicy | undefined;
}

export class WriteBatcher {
  private readonly queue: Batch[] = [];
  /** The batch accepting new ops: the last one in `queue`, until it is full or starts committing. */
  private open: Batch | undefined;
  private draining: Promise<void> | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The batch being written to the store now (taken off the queue). */
  private committing: Batch | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private failure: unknown;
  /** Runs with a write that failed to commit, and its error: their later writes are refused (see `progress`). */
  private readonly failedRuns = new Map<string, unknown>();
  private readonly maxOps: number;
  private readonly durability: DurabilityPolicy;

  constructor(
    private readonly store: RunStore,
    options: WriteBatcherOptions = {},
  ) {
    this.maxOps = options.maxOps ?? 5_000;
    this.durability = options.durability ?? "runs";
  }

  /** Queues ops for the next transaction; resolves once they are committed. */
  write(...ops: WriteOp[]): Promise<void> {
    return this.add(ops, true);
  }

  /**
   * Resolves once every write queued before the call has been committed, lingering ones included (which this
   * hurries), or has failed: a barrier for readers of the store, which costs no commit of its own.
   */
  committed(): Promise<void> {
    const last = this.queue.at(-1) ?? this.committing;
    if (!last) return Promise.resolve();
    if (last === this.open) {
      last.urgent = true;
      this.schedule();
    }
    return last.promise.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Queues ops whose commit nobody needs yet: they join the next batch someone waits for, or commit on their own
   * after LINGER_MS. Resolves once they are committed.
   */
  writeSoon(...ops: WriteOp[]): Promise<void> {
    return this.add(ops, false);
  }

  /**
   * What a writer of progress inside a run (a child's start record and outcome, a trace) waits for before it goes
   * on, given the promise of that write's commit: the commit under "full"; nothing under "runs", where later writes
   * commit after it and, if it fails, the run's later writes fail with its error.
   */
  progress(commit: Promise<void>): Promise<void> {
    return this.writesBehind ? Promise.resolve() : commit;
  }

  /**
   * Queues progress inside a run (a child's outcome, a trace) and resolves when its writer may go on: at once under
   * "runs", where nobody waits for the commit so it lingers like `writeSoon` (a chain's steps then share commits);
   * at the commit under "full".
   */
  writeProgress(...ops: WriteOp[]): Promise<void> {
    return this.writesBehind ? this.progress(this.writeSoon(...ops)) : this.write(...ops);
  }

  /** Whether writers of progress inside a run go on before its commit ("runs"; see `progress`). */
  get writesBehind(): boolean {
    return this.durability === "runs";
  }

  /** Accepts writes of a run again after one of its commits failed (the run is being resumed). */
  forgetFailure(runName: string): void {
    this.failedRuns.delete(runName);
  }

  /** Queues an op nobody waits for (a log line); a failure is kept and re-thrown by `flush()`. */
  enqueue(op: WriteOp): void {
    void this.add([op], false);
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

  /** Commits everything queued so far, lingering writes included; throws the first failure nobody awaited. */
  async flush(): Promise<void> {
    // Ops queued while flushing (a log line of an action still running) are flushed too, not left to linger.
    for (;;) {
      if (this.open) this.open.urgent = true;
      if (this.queue.length === 0 && !this.draining) break;
      await this.drain();
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private add(ops: readonly WriteOp[], urgent: boolean): Promise<void> {
    const failed = this.failureOf(ops);
    if (failed) {
      this.markFailed(ops, failed.cause);
      return this.rejected(refusal(failed.run, failed.cause));
    }
    const batch = this.openBatch();
    for (const op of ops) {
      const row = rowOf(op);
      const at = row === undefined ? undefined : batch.inserts.get(row);
      const merged = at === undefined ? undefined : folded(batch.ops[at]!, op);
      if (merged) {
        batch.ops[at!] = merged;
      } else {
        if (op.op === "action.insert" || op.op === "run.insert") batch.inserts.set(row!, batch.ops.length);
        batch.ops.push(op);
      }
      batch.mustFlush ||= mustFlush(op);
      if (this.observers.size > 0) for (const observer of this.observers) observer(op);
    }
    batch.urgent ||= urgent;
    this.schedule();
    return batch.promise;
  }

  private openBatch(): Batch {
    if (this.open && this.open.ops.length < this.maxOps) return this.open;
    this.close();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch((error: unknown) => {
      this.failure ??= error;
    });
    const batch: Batch = { ops: [], inserts: new Map(), mustFlush: false, urgent: false, promise, resolve, reject };
    this.queue.push(batch);
    this.open = batch;
    return batch;
  }

  /** Takes no more ops into the open batch; its linger timer must not cut short the wait of the next one. */
  private close(): void {
    this.open = undefined;
    clearTimeout(this.lingering);
    this.lingering = undefined;
  }

  /** A run among those `ops` belong to whose commit failed, and why. */
  private failureOf(ops: readonly WriteOp[]): { run: string; cause: unknown } | undefined {
    if (this.failedRuns.size === 0) return undefined;
    for (const op of ops) {
      const run = runNameOf(op);
      if (run !== undefined && this.failedRuns.has(run)) return { run, cause: this.failedRuns.get(run) };
    }
    return undefined;
  }

  /** Refuses the later writes of the runs `ops` belong to: `ops` were not stored, and what follows may need them. */
  private markFailed(ops: readonly WriteOp[], cause: unknown): void {
    for (const op of ops) {
      const run = runNameOf(op);
      if (run !== undefined && !this.failedRuns.has(run)) this.failedRuns.set(run, cause);
    }
  }

  /** A rejected promise that may be left unawaited (as `progress` lets writers do) without an unhandled rejection. */
  private rejected(error: unknown): Promise<void> {
    const promise = Promise.reject(error);
    promise.catch((reason: unknown) => {
      this.failure ??= reason;
    });
    return promise;
  }

  /** True when `batch` may wait: it is still open and nobody waits for it. */
  private lingers(batch: Batch): boolean {
    return batch === this.open && !batch.urgent && batch.ops.length < this.maxOps;
  }

  /** Arranges for the first queued batch to commit: at the next turn, or after LINGER_MS when it may wait. */
  private schedule(): void {
    const first = this.queue[0];
    if (!first || this.draining) return; // a running commit loop takes it when it gets to it
    if (!this.lingers(first)) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        void this.drain();
      });
    } else {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        if (this.open) this.open.urgent = true;
        void this.drain();
      }, LINGER_MS);
    }
  }

  private drain(): Promise<void> {
    this.draining ??= this.commitQueued().finally(() => {
      this.draining = undefined;
      // Ops queued while the last batch committed: wait for company, or commit at once if someone waits.
      this.schedule();
    });
    return this.draining;
  }

  private async commitQueued(): Promise<void> {
    for (let batch = this.queue[0]; batch && !this.lingers(batch); batch = this.queue[0]) {
      this.queue.shift();
      if (batch === this.open) this.close();
      const durable = this.durability === "full" || batch.mustFlush;
      // Queued before an earlier commit of one of its runs failed: it may depend on what was lost.
      const failed = this.failureOf(batch.ops);
      try {
        if (failed) throw refusal(failed.run, failed.cause);
        this.committing = batch;
        await this.store.write(batch.ops, durable ? "durable" : "visible");
        batch.resolve();
      } catch (error) {
        this.markFailed(batch.ops, failed ? failed.cause : error);
        batch.reject(error);
      } finally {
        this.committing = undefined;
      }
    }
  }
}
