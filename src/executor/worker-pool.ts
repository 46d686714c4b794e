// A reusable pool of worker processes for one module and one environment (or the shared default pool):
// between `min` and `max` replicas, each running up to `concurrency` attempts at once. An attempt waiting for
// its children does not hold a slot, so parents never starve their own children of workers. Replicas above
// `min` stop after `idleTtl` without work.
import type { WorkerMessage, WorkerSettings } from "../worker/protocol.js";
import type { TaskSpec } from "../worker/task-spec.js";
import { WorkerProcess } from "./worker-process.js";

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
  readonly onMessage: (worker: WorkerProcess, message: WorkerMessage) => void;
  /** A worker died; `reason(what)` says why (its attempts fail with it). */
  readonly onExit: (worker: WorkerProcess, reason: (what: string) => Error) => void;
  readonly log: (line: string) => void;
}

/** Something waiting for a slot: called with the worker that will run it. */
type Waiter = (worker: WorkerProcess) => void;

export class WorkerPool {
  private readonly workers: WorkerProcess[] = [];
  private readonly waiters: Waiter[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  get size(): number {
    return this.workers.length;
  }

  /** Starts the pool's minimum number of replicas. */
  warm(): void {
    while (!this.closed && this.workers.length < this.options.policy.minReplicas) this.spawn();
  }

  /** The tasks of the pool's module, as its first worker reports them (starting it when needed). */
  async describe(): Promise<readonly TaskSpec[]> {
    const worker = this.workers.find((w) => w.alive) ?? this.spawn();
    return worker.ready;
  }

  /** Calls `start` with a worker that has a free slot, now or as soon as one frees up (FIFO). */
  acquire(start: Waiter): void {
    const worker = this.freeWorker();
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
  remove(worker: WorkerProcess): void {
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

  /** The least loaded worker with a free slot, spawning one when all are busy and the pool may grow. */
  private freeWorker(): WorkerProcess | undefined {
    const { concurrency, maxReplicas } = this.options.policy;
    let best: WorkerProcess | undefined;
    for (const worker of this.workers) {
      if (worker.alive && worker.load < concurrency && (!best || worker.load < best.load)) best = worker;
    }
    if (best) return best;
    if (this.closed || this.workers.length >= maxReplicas) return undefined;
    return this.spawn();
  }

  private spawn(): WorkerProcess {
    const { settings, envVars, memoryLimitBytes, onMessage, onExit, log } = this.options;
    const worker = new WorkerProcess({ settings, envVars, memoryLimitBytes, onMessage, onExit, log });
    this.workers.push(worker);
    return worker;
  }

  private scheduleIdleCheck(): void {
    const { minReplicas, idleTtlMs } = this.options.policy;
    if (this.idleTimer || this.closed || this.workers.length <= minReplicas) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const now = Date.now();
      for (const worker of [...this.workers]) {
        if (this.workers.length <= minReplicas) break;
        if (worker.attempts.size === 0 && now - worker.idleSince >= idleTtlMs) {
          this.workers.splice(this.workers.indexOf(worker), 1);
          worker.shutdown();
        }
      }
      this.scheduleIdleCheck();
    }, Math.max(idleTtlMs, 10));
    this.idleTimer.unref();
  }
}
