// A reusable pool of workers for one module and one environment (or the shared default pool): local worker
// processes — between `min` and `max` replicas, each running up to `concurrency` attempts at once — plus any
// worker hosts attached to it (remote, with slots of their own). An attempt waiting for its children does not
// hold a slot, so parents never starve their own children of workers. Local replicas above `min` stop after
// `idleTtl` without work.
import type { EngineMessage, WorkerMessage, WorkerSettings } from "../worker/protocol.js";
import type { TaskSpec } from "../worker/task-spec.js";
import { WorkerProcess } from "./worker-process.js";

/** A worker as a pool sees it: a local process, or a module on a remote worker host. */
export interface PoolWorker {
  /** Names it in messages and logs, e.g. "worker process 1234". */
  readonly label: string;
  /** Attempts it may run at once. */
  readonly concurrency: number;
  /** Attempts placed on it, and how many of them are waiting for child calls (not using a slot). */
  readonly attempts: Set<number>;
  waiting: number;
  idleSince: number;
  readonly alive: boolean;
  /** The tasks of its module; rejects when the module fails to load there or the worker dies first. */
  readonly ready: Promise<readonly TaskSpec[]>;
  readonly exited: Promise<void>;
  send(message: EngineMessage): void;
  /** Stops it at once; `reason` becomes the error of the attempts it was running. */
  kill(reason: Error): void;
  shutdown(): void;
}

/** Attempts that occupy a slot (running code, not waiting for children). */
function load(worker: PoolWorker): number {
  return worker.attempts.size - worker.waiting;
}

export interface PoolPolicy {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly concurrency: number;
  readonly idleTtlMs: number;
}

export interface WorkerPoolOptions {
  readonly name: string;
  readonly settings: WorkerSettings;
  readonly policy: PoolPolicy;
  readonly envVars: Readonly<Record<string, string>>;
  readonly memoryLimitBytes: number | null;
  readonly onMessage: (worker: PoolWorker, message: WorkerMessage) => void;
  /** A worker died; `reason(what)` says why (its attempts fail with it). */
  readonly onExit: (worker: PoolWorker, reason: (what: string) => Error) => void;
  readonly log: (line: string) => void;
  /** Start local worker processes (false: only attached worker hosts run this pool's attempts). */
  readonly local: boolean;
}

/** Something waiting for a slot: called with the worker that will run it. */
type Waiter = (worker: PoolWorker) => void;

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly waiters: Waiter[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  get size(): number {
    return this.workers.length;
  }

  /** Starts the pool's minimum number of local replicas. */
  warm(): void {
    if (!this.options.local) return;
    while (!this.closed && this.localCount() < this.options.policy.minReplicas) this.spawn();
  }

  /**
   * The tasks of the pool's module, as a worker reports them: one of the pool's, or a new local one. A pool
   * without local workers starts a process only to read the tasks, and stops it again.
   */
  async describe(): Promise<readonly TaskSpec[]> {
    const existing = this.workers.find((w) => w.alive);
    if (existing) return existing.ready;
    if (this.options.local) return this.spawn().ready;
    const { settings, log } = this.options;
    const reader = new WorkerProcess({ settings, envVars: {}, memoryLimitBytes: null, onMessage: () => {}, onExit: () => {}, log });
    try {
      return await reader.ready;
    } finally {
      reader.shutdown();
    }
  }

  /** Adds a worker that lives elsewhere (a module on a worker host); it leaves through remove(). */
  attach(worker: PoolWorker): void {
    if (this.closed) return;
    this.workers.push(worker);
    this.drain();
  }

  /** Calls `start` with a worker that has a free slot, now or as soon as one frees up (FIFO). */
  acquire(start: Waiter, near?: PoolWorker): void {
    const worker = this.freeWorker(near);
    if (worker && this.waiters.length === 0) {
      start(worker);
      return;
    }
    this.waiters.push(start);
    this.drain();
  }

  /** A slot may have freed up (an attempt ended or started waiting for children). */
  drain(): void {
    while (this.waiters.length > 0) {
      const worker = this.freeWorker();
      if (!worker) break;
      this.waiters.shift()?.(worker);
    }
    this.scheduleIdleCheck();
  }

  /** Forgets a dead worker and replaces it when work is waiting. */
  remove(worker: PoolWorker): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    if (!this.closed) this.drain();
  }

  /** Resolves once every worker process of the pool has exited. */
  async exited(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.exited));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const worker of this.workers) worker.shutdown();
  }

  /** The least loaded worker with a free slot, spawning a local one when all are busy and the pool may grow. */
  private freeWorker(near?: PoolWorker): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    let bestFree = 0;
    for (const worker of this.workers) {
      const free = worker.concurrency - load(worker);
      if (worker.alive && free > 0 && (!best || free > bestFree || (free === bestFree && worker === near))) {
        best = worker;
        bestFree = free;
      }
    }
    if (best) return best;
    if (this.closed || !this.options.local || this.localCount() >= this.options.policy.maxReplicas) return undefined;
    return this.spawn();
  }

  private localCount(): number {
    let count = 0;
    for (const worker of this.workers) if (worker instanceof WorkerProcess) count++;
    return count;
  }

  private spawn(): WorkerProcess {
    const { settings, envVars, memoryLimitBytes, onMessage, onExit, log } = this.options;
    const worker = new WorkerProcess({ settings, envVars, memoryLimitBytes, onMessage, onExit, log });
    this.workers.push(worker);
    return worker;
  }

  private scheduleIdleCheck(): void {
    const { minReplicas, idleTtlMs } = this.options.policy;
    if (this.idleTimer || this.closed || this.localCount() <= minReplicas) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const now = Date.now();
      for (const worker of [...this.workers]) {
        if (this.localCount() <= minReplicas) break;
        if (worker instanceof WorkerProcess && worker.attempts.size === 0 && now - worker.idleSince >= idleTtlMs) {
          this.workers.splice(this.workers.indexOf(worker), 1);
          worker.shutdown();
        }
      }
      this.scheduleIdleCheck();
    }, Math.max(idleTtlMs, 10));
    this.idleTimer.unref();
  }
}
