// A worker host (`flyte start worker --endpoint URL`): joins a server, keeps one event stream open for the work
// it is sent, runs it in local worker processes (one per code bundle, downloaded once into a cache folder, its npm
// packages installed at their exact versions when this host lacks them), and posts back what they report, in
// order, batched per event-loop turn. Heartbeats keep its lease while it is
// idle; if the server forgets the host (lease expired, server restarted) the host drops its work and joins again.
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import type { FlyteClient, WorkerHostGrant } from "../client/index.js";
import { toErrorRecord } from "../errors/index.js";
import type { HostMessage, HostReport } from "../executor/worker-hosts.js";
import { ModuleDeps } from "../executor/module-deps.js";
import { WorkerProcess } from "../executor/worker-process.js";
import { MessageBatcher } from "./protocol.js";

export interface WorkerHostOptions {
  readonly client: FlyteClient;
  readonly name?: string | undefined;
  /** Environments whose pools this host serves ("*": all). */
  readonly pools: readonly string[];
  /** Attempts each of its worker processes runs at once. */
  readonly slots: number;
  /** Where downloaded bundles are kept. */
  readonly cacheDir: string;
  /** Bare imports of bundles resolve from here (the project whose node_modules has their packages). */
  readonly resolveFrom: string;
  /** Where npm packages of bundles are installed when `resolveFrom` lacks their versions (default: `deps` beside `cacheDir`). */
  readonly depsDir?: string | undefined;
  readonly log: (line: string) => void;
  /** Stops the host: its processes are stopped and it leaves. */
  readonly signal?: AbortSignal | undefined;
}

const RETRY_MS = 1_000;

/** Runs a worker host until `signal` aborts. */
export async function runWorkerHost(options: WorkerHostOptions): Promise<void> {
  const { signal, log } = options;
  // Shared by every registration: an install is done once per host, not once per session.
  const deps = new ModuleDeps({
    cacheDir: options.depsDir ?? path.join(path.dirname(path.resolve(options.cacheDir)), "worker-deps"),
    resolveFrom: options.resolveFrom,
    log,
  });
  while (!signal?.aborted) {
    let grant: WorkerHostGrant;
    try {
      grant = await options.client.registerWorker({ name: options.name ?? hostname(), pools: options.pools, slots: options.slots });
    } catch (error) {
      log(`cannot join ${options.client.endpoint}: ${(error as Error).message}; retrying in ${RETRY_MS / 1000} s`);
      // Ends early (quietly) when the host is stopped.
      await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
      continue;
    }
    log(`joined ${options.client.endpoint} as worker host ${grant.id} (${options.slots} slots, pools ${options.pools.join(", ")})`);
    const session = new HostSession(options, grant, deps);
    await session.run();
    if (!signal?.aborted) log(`lost worker host ${grant.id}; joining again`);
  }
}

/** One registration: ends when the server forgets the host, the stream cannot be kept, or the host stops. */
class HostSession {
  private readonly processes = new Map<string, WorkerProcess>();
  /** The start of each module's worker process (download, then spawn), shared by the messages that need it. */
  private readonly starting = new Map<string, Promise<WorkerProcess>>();
  private readonly outbox: MessageBatcher<HostReport>;
  private posting: Promise<void> = Promise.resolve();
  private readonly stop = new AbortController();

  constructor(
    private readonly options: WorkerHostOptions,
    private readonly grant: WorkerHostGrant,
    private readonly deps: ModuleDeps,
  ) {
    // Posted one batch after another, so reports arrive in the order the workers sent them.
    this.outbox = new MessageBatcher((batch) => {
      this.posting = this.posting.then(() => this.post(batch));
    });
  }

  async run(): Promise<void> {
    const { signal } = this.options;
    const end = (): void => this.stop.abort();
    signal?.addEventListener("abort", end);
    const heartbeat = setInterval(() => {
      this.options.client.workerHeartbeat(this.grant.id).catch(end);
    }, this.grant.heartbeatMs);
    try {
      for await (const batch of this.options.client.workerStream(this.grant.id, { signal: this.stop.signal })) {
        for (const message of batch as HostMessage[]) void this.handle(message);
      }
    } catch (error) {
      if (!this.stop.signal.aborted) this.options.log(`the work stream of ${this.grant.id} failed: ${(error as Error).message}`);
    } finally {
      clearInterval(heartbeat);
      signal?.removeEventListener("abort", end);
      for (const worker of this.processes.values()) worker.shutdown();
      await Promise.all([...this.processes.values()].map((worker) => worker.exited));
    }
  }

  private async handle(message: HostMessage): Promise<void> {
    const { module } = message;
    if (message.kill) {
      this.processes.get(module)?.kill(new Error("killed by the server"));
      return;
    }
    let starting = this.starting.get(module);
    if (!starting) {
      // Messages for one module keep their order: all of them wait on the same start.
      starting = this.start(module);
      this.starting.set(module, starting);
    }
    let worker: WorkerProcess;
    try {
      worker = await starting;
    } catch (error) {
      if (this.starting.get(module) === starting) this.starting.delete(module);
      if (message.load) this.report({ module, message: { t: "failed", error: toErrorRecord(error) } });
      return;
    }
    if (message.message) worker.send(message.message);
    // Every load is answered (each pool the host serves asks on its own).
    if (message.load) {
      worker.ready.then(
        (tasks) => this.report({ module, message: { t: "ready", tasks } }),
        (error: unknown) => this.report({ module, message: { t: "failed", error: toErrorRecord(error) } }),
      );
    }
  }

  /** Downloads a bundle when needed, installs its npm packages when this host lacks them, and starts its worker process. */
  private async start(module: string): Promise<WorkerProcess> {
    const file = await this.bundle(module);
    const { externals } = await this.options.client.getCode(module);
    const depsDir = await this.deps.prepare({ hash: module, path: file, externals });
    const worker = new WorkerProcess({
      settings: { module: file, resolveFrom: this.options.resolveFrom, depsDir, blobs: this.grant.blobs, concurrency: this.options.slots },
      envVars: {},
      memoryLimitBytes: null,
      onMessage: (_worker, message) => this.report({ module, message }),
      onExit: (exited, reason) => {
        if (this.processes.get(module) === exited) {
          this.processes.delete(module);
          this.starting.delete(module);
        }
        this.report({ module, exited: toErrorRecord(reason(`its attempts on ${this.options.name ?? hostname()}`)) });
      },
      log: this.options.log,
    });
    this.processes.set(module, worker);
    return worker;
  }

  private async bundle(hash: string): Promise<string> {
    const file = path.join(this.options.cacheDir, hash, "bundle.mjs");
    if (existsSync(file)) return file;
    const code = await this.options.client.downloadCode(hash);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, code);
    await rename(temp, file);
    return file;
  }

  private report(report: HostReport): void {
    this.outbox.send(report);
  }

  private async post(batch: HostReport[]): Promise<void> {
    try {
      await this.options.client.postWorkerReports(this.grant.id, batch);
    } catch (error) {
      // The server forgot this host (or is gone): what was running here is retried there; start over.
      this.options.log(`cannot report to the server: ${(error as Error).message}`);
      this.stop.abort();
    }
  }
}

