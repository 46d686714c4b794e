// Resource admission: an action starts on this host only while the declared cpu and memory of the running actions
// plus its own fit the host's capacity. Waiters are admitted in strict FIFO order, so a large request at the head
// holds back smaller ones behind it and can never starve. Invariant: inUse ≤ capacity in each dimension.
import os from "node:os";
import { InvalidInputError, InvalidOptionError } from "../errors/index.js";

/** An amount of compute: cores (fractions allowed) and bytes of memory. */
export interface ResourceAmount {
  cpu: number;
  memoryBytes: number;
}

/** A granted request; `release()` gives its resources back (calling it again does nothing). */
export interface AdmissionLease {
  release(): void;
}

export interface AcquireOptions {
  /** Aborting removes the request from the queue and rejects it with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Called once, synchronously inside `acquire`, when the request has to wait. */
  onWait?: (() => void) | undefined;
}

/** What this host can run at once: its usable cores and its total memory. */
export function hostCapacity(): ResourceAmount {
  return { cpu: os.availableParallelism(), memoryBytes: os.totalmem() };
}

// CPU is counted in whole millicores (Kubernetes' granularity) so that sums of fractions like 0.1 + 0.2 never drift
// above or below the capacity after many acquire/release cycles.
const MILLI = 1000;
const toMilli = (cpu: number): number => Math.round(cpu * MILLI);

interface Waiter {
  readonly milli: number;
  readonly memoryBytes: number;
  readonly resolve: (lease: AdmissionLease) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

const NOOP_LEASE: AdmissionLease = Object.freeze({ release() {} });

/**
 * Admits actions onto a host by their declared cpu and memory.
 * @example const lease = await admission.acquire({ cpu: 1, memoryBytes: 2 ** 30 }); try { … } finally { lease.release(); }
 */
export class ResourceAdmission {
  readonly capacity: Readonly<ResourceAmount>;
  private readonly capacityMilli: number;
  private usedMilli = 0;
  private usedMemory = 0;
  // A doubly linked list, so that an aborted waiter leaves the queue in O(1) even with thousands queued.
  private head: Waiter | undefined;
  private tail: Waiter | undefined;
  private queued = 0;

  constructor(capacity: ResourceAmount) {
    checkAmount(capacity, "ResourceAdmission capacity", (what, value) =>
      new InvalidOptionError(`${what} must be a finite number ≥ 0, got ${String(value)}.`),
    );
    this.capacity = Object.freeze({ cpu: capacity.cpu, memoryBytes: capacity.memoryBytes });
    this.capacityMilli = toMilli(capacity.cpu);
  }

  /** The resources held by granted, unreleased leases. */
  get inUse(): ResourceAmount {
    return { cpu: this.usedMilli / MILLI, memoryBytes: this.usedMemory };
  }

  /** The number of requests waiting for resources. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Resolves with a lease once `request` fits next to the running actions, in FIFO order. Rejects at once with
   * InvalidInputError when the request alone exceeds the capacity, since waiting could never admit it.
   */
  acquire(request: ResourceAmount, options?: AcquireOptions): Promise<AdmissionLease> {
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    try {
      checkAmount(request, "the requested resources", (what, value) =>
        new InvalidInputError(`${what} must be a finite number ≥ 0, got ${String(value)}.`),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    const milli = toMilli(request.cpu);
    const memoryBytes = request.memoryBytes;
    // A request that takes nothing cannot hold anyone back, so it need not queue behind those that do.
    if (milli === 0 && memoryBytes === 0) return Promise.resolve(NOOP_LEASE);
    const oversize = this.oversize(milli, memoryBytes);
    if (oversize !== undefined) return Promise.reject(new InvalidInputError(oversize));
    if (this.head === undefined && this.fits(milli, memoryBytes)) return Promise.resolve(this.grant(milli, memoryBytes));

    return new Promise<AdmissionLease>((resolve, reject) => {
      const waiter: Waiter = {
        milli,
        memoryBytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.unlink(waiter);
          reject(signal?.reason);
          // The aborted waiter may have been the head that held smaller requests back.
          this.admitWaiters();
        },
        prev: this.tail,
        next: undefined,
      };
      if (this.tail === undefined) this.head = waiter;
      else this.tail.next = waiter;
      this.tail = waiter;
      this.queued++;
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      try {
        options?.onWait?.();
      } catch (error) {
        // The caller will never see a lease for this request, so it must not stay queued and be granted later.
        // It is the tail, so removing it cannot admit anyone.
        signal?.removeEventListener("abort", waiter.onAbort);
        this.unlink(waiter);
        throw error;
      }
    });
  }

  private fits(milli: number, memoryBytes: number): boolean {
    return this.usedMilli + milli <= this.capacityMilli && this.usedMemory + memoryBytes <= this.capacity.memoryBytes;
  }

  private grant(milli: number, memoryBytes: number): AdmissionLease {
    this.usedMilli += milli;
    this.usedMemory += memoryBytes;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.usedMilli -= milli;
        this.usedMemory -= memoryBytes;
        this.admitWaiters();
      },
    };
  }

  private admitWaiters(): void {
    for (let w = this.head; w !== undefined && this.fits(w.milli, w.memoryBytes); w = this.head) {
      this.unlink(w);
      w.signal?.removeEventListener("abort", w.onAbort);
      w.resolve(this.grant(w.milli, w.memoryBytes));
    }
  }

  private unlink(w: Waiter): void {
    if (w.prev === undefined) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === undefined) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = undefined;
    this.queued--;
  }

  /** The error message for a request no amount of waiting can admit, or undefined when it fits an idle host. */
  private oversize(milli: number, memoryBytes: number): string | undefined {
    const problems: string[] = [];
    const fixes: string[] = [];
    if (milli > this.capacityMilli) {
      problems.push(`${formatCores(milli / MILLI)} of cpu but this host's capacity is ${formatCores(this.capacity.cpu)}`);
      fixes.push("`--cpu`");
    }
    if (memoryBytes > this.capacity.memoryBytes) {
      problems.push(
        `${formatMemory(memoryBytes)} of memory but this host's capacity is ${formatMemory(this.capacity.memoryBytes)}`,
      );
      fixes.push("`--memory`");
    }
    if (problems.length === 0) return undefined;
    return (
      `The task requests ${problems.join(", and ")}, so it could never start here. ` +
      `Lower the task's flyte.Resources, or raise the capacity with the server's ${fixes.join(" and ")} option${fixes.length > 1 ? "s" : ""}.`
    );
  }
}

function checkAmount(amount: ResourceAmount, owner: string, error: (what: string, value: unknown) => Error): void {
  for (const key of ["cpu", "memoryBytes"] as const) {
    const value: unknown = amount[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw error(`${owner}: ${key}`, value);
  }
}

/** Cores as people write them: "4 cpu cores", "0.5 cpu cores". */
export function formatCores(cpu: number): string {
  const n = Number(cpu.toFixed(3));
  return `${n} cpu core${n === 1 ? "" : "s"}`;
}

/** Bytes in binary units: "512 MiB", "1.5 GiB". */
export function formatMemory(bytes: number): string {
  if (bytes < 2 ** 20) return `${bytes} bytes`;
  if (bytes >= 2 ** 30) return `${Number((bytes / 2 ** 30).toFixed(2))} GiB`;
  return `${Number((bytes / 2 ** 20).toFixed(1))} MiB`;
}
