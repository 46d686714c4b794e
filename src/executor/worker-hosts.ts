// Worker hosts: `flyte start worker --endpoint URL` processes on other machines that run attempts for the
// engine. A host registers, holds one event stream open for what the engine sends it (batched, per module), posts
// back what its worker processes report, and heartbeats. A host silent for longer than its lease is dead: the
// attempts it held fail as system errors and are retried elsewhere. To the pools each (host, pool) pair is one
// more worker (a RemoteWorker) with the host's slots.
import { randomBytes } from "node:crypto";
import { RuntimeSystemError, fromErrorRecord, type ErrorRecord } from "../errors/index.js";
import { MessageBatcher, type EngineMessage, type WorkerMessage } from "../worker/protocol.js";
import type { TaskSpec } from "../worker/task-spec.js";
import type { PoolWorker } from "./worker-pool.js";

/** From the engine to a host: a message for the worker of `module`, or load / kill that worker. */
export interface HostMessage {
  readonly module: string;
  readonly message?: EngineMessage;
  readonly load?: true;
  readonly kill?: true;
}

/** From a host: what the worker of `module` sent, or that it exited (and why). */
export interface HostReport {
  readonly module: string;
  readonly message?: WorkerMessage;
  readonly exited?: ErrorRecord;
}

export interface HostRegistration {
  readonly name: string;
  /** Environments whose own pools the host serves; "*" (the default) serves every pool. */
  readonly pools: readonly string[];
  /** Attempts the host runs at once, per module. */
  readonly slots: number;
}

export interface WorkerHostsOptions {
  /** A host that has not been heard from for this long is dead (default 10 s). */
  readonly leaseMs?: number | undefined;
  readonly onJoin: (host: WorkerHost) => void;
  readonly log: (line: string) => void;
}

export const DEFAULT_LEASE_MS = 10_000;

export class WorkerHost {
  readonly id = `w${randomBytes(8).toString("hex")}`;
  lastSeen = Date.now();
  alive = true;
  /** The workers of this host in the engine's pools, by pool key. */
  readonly workers = new Map<string, RemoteWorker>();
  private readonly outbox = new MessageBatcher<HostMessage>((batch) => this.deliver(batch));
  private held: HostMessage[] = [];
  private subscriber: ((batch: HostMessage[]) => void) | undefined;

  constructor(readonly registration: HostRegistration) {}

  get label(): string {
    return `worker host ${this.registration.name} (${this.id})`;
  }

  serves(env: string): boolean {
    return this.registration.pools.includes("*") || this.registration.pools.includes(env);
  }

  push(message: HostMessage): void {
    if (this.alive) this.outbox.send(message);
  }

  /** The host's event stream; messages sent while it had none are delivered on (re)connect. */
  subscribe(deliver: (batch: HostMessage[]) => void): () => void {
    this.subscriber = deliver;
    const held = this.held;
    this.held = [];
    if (held.length > 0) deliver(held);
    return () => {
      if (this.subscriber === deliver) this.subscriber = undefined;
    };
  }

  receive(reports: readonly HostReport[]): void {
    this.lastSeen = Date.now();
    for (const report of reports) {
      const kind = report.message?.t;
      // Several pools may share the module's process on this host. Whether it loaded or exited concerns each of
      // them; anything else (results, calls, logs) is handled once, by whichever of them is alive.
      const everyone = report.exited !== undefined || kind === "ready" || kind === "failed";
      for (const worker of this.workers.values()) {
        if (worker.module !== report.module || !worker.alive) continue;
        worker.receive(report);
        if (!everyone) break;
      }
    }
  }

  private deliver(batch: HostMessage[]): void {
    if (this.subscriber) this.subscriber(batch);
    else this.held.push(...batch);
  }
}

/** One pool's view of a module on a worker host. */
export class RemoteWorker implements PoolWorker {
  readonly attempts = new Set<number>();
  waiting = 0;
  idleSince = Date.now();
  alive = true;
  readonly ready: Promise<readonly TaskSpec[]>;
  readonly exited: Promise<void>;
  private loaded!: (tasks: readonly TaskSpec[]) => void;
  private failed!: (error: Error) => void;
  private ended!: () => void;

  constructor(
    readonly host: WorkerHost,
    readonly module: string,
    private readonly onMessage: (worker: RemoteWorker, message: WorkerMessage) => void,
    private readonly onExit: (worker: RemoteWorker, reason: (what: string) => Error) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.loaded = resolve;
      this.failed = reject;
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) => (this.ended = resolve));
    host.push({ module, load: true });
  }

  get label(): string {
    return this.host.label;
  }

  get concurrency(): number {
    return this.host.registration.slots;
  }

  send(message: EngineMessage): void {
    this.host.push({ module: this.module, message });
  }

  kill(reason: Error): void {
    this.host.push({ module: this.module, kill: true });
    this.exit(() => reason);
  }

  shutdown(): void {}

  receive(report: HostReport): void {
    if (!this.alive) return;
    if (report.exited) {
      const error = fromErrorRecord(report.exited);
      this.exit(() => error);
      return;
    }
    const { message } = report;
    if (!message) return;
    if (message.t === "ready") this.loaded(message.tasks);
    else if (message.t === "failed") this.failed(fromErrorRecord(message.error));
    else this.onMessage(this, message);
  }

  exit(reason: (what: string) => Error): void {
    if (!this.alive) return;
    this.alive = false;
    this.failed(reason("nothing yet (it was loading its module)"));
    this.ended();
    this.onExit(this, reason);
  }
}

export class WorkerHosts {
  private readonly hosts = new Map<string, WorkerHost>();
  private readonly monitor: NodeJS.Timeout;
  readonly leaseMs: number;

  constructor(private readonly options: WorkerHostsOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.monitor = setInterval(() => this.expire(), Math.max(50, Math.floor(this.leaseMs / 4)));
    this.monitor.unref();
  }

  get all(): readonly WorkerHost[] {
    return [...this.hosts.values()];
  }

  register(registration: HostRegistration): WorkerHost {
    const host = new WorkerHost(registration);
    this.hosts.set(host.id, host);
    this.options.log(`${host.label} joined with ${registration.slots} slot(s) for pools ${registration.pools.join(", ")}`);
    this.options.onJoin(host);
    return host;
  }

  get(id: string): WorkerHost | undefined {
    return this.hosts.get(id);
  }

  /** Removes a host; its workers' attempts fail with `reason`. */
  remove(host: WorkerHost, reason: (what: string) => Error): void {
    if (!this.hosts.delete(host.id)) return;
    host.alive = false;
    for (const worker of host.workers.values()) worker.exit(reason);
  }

  close(): void {
    clearInterval(this.monitor);
    for (const host of this.all) this.remove(host, () => new RuntimeSystemError(`the engine stopped; ${host.label} was let go`));
  }

  private expire(): void {
    const now = Date.now();
    for (const host of this.all) {
      const silent = now - host.lastSeen;
      if (silent <= this.leaseMs) continue;
      this.options.log(`${host.label} missed its heartbeat for ${silent} ms; its attempts are retried`);
      this.remove(
        host,
        (what) =>
          new RuntimeSystemError(
            `${host.label} stopped answering (no heartbeat for ${silent} ms, lease ${this.leaseMs} ms) while running ${what}; it is retried`,
          ),
      );
    }
  }
}
