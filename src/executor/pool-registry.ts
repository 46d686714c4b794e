// Which pool an attempt runs on, and the pools themselves: one per code bundle and environment (the shared
// default pool, an environment's own pool, a pool per set of secret values), each created on first use with the
// worker hosts that serve it, and the hosts attached again to every pool they serve as they join. Secrets with a
// mountPath are written as files before their pool's workers start and removed once the pools have stopped.
import path from "node:path";
import { SecretMounts, type SecretSpec, type TaskTemplate } from "../engine/index.js";
import { InvalidInputError } from "../errors/index.js";
import { hashText } from "../io/index.js";
import type { WorkerMessage } from "../worker/protocol.js";
import { hostCapacity } from "./admission.js";
import { RemoteWorker, WorkerHosts, type WorkerHost } from "./worker-hosts.js";
import { WorkerPool, type PoolPolicy, type PoolWorker } from "./worker-pool.js";

/** A module of tasks: an uploaded code bundle, by its hash and where this host keeps it. */
export interface ModuleRef {
  readonly hash: string;
  readonly path: string;
  /** npm packages the bundle imports, with the versions it was built against (its manifest's externals). */
  readonly externals?: Readonly<Record<string, string>> | undefined;
  /** Where the module's own npm packages were installed, when what `resolveFrom` has differs (see ModuleDeps). */
  readonly depsDir?: string | undefined;
}

export interface PoolSettings {
  /** Bare imports of loaded modules resolve from here when not found next to the module (default: cwd). */
  readonly resolveFrom?: string | undefined;
  /**
   * The server's state folder (localDir): no secret may be mounted as a file inside it, since only the encrypted
   * store may hold values there; npm installs default to `<stateDir>/deps`.
   */
  readonly stateDir?: string | undefined;
  /** Where modules' npm packages are installed when `resolveFrom` lacks their versions (default `<stateDir>/deps`). */
  readonly depsDir?: string | undefined;
  /** The shared pool of environments without a ReusePolicy (default: 1–cores replicas × 64 attempts each). */
  readonly defaultPool?: Partial<PoolPolicy> | undefined;
  /** The values of a task's secrets by env var name, for a run's project and domain; rejects naming missing ones. */
  readonly resolveSecrets?:
    | ((scope: { project: string; domain: string }, secrets: readonly SecretSpec[]) => Promise<Record<string, string>>)
    | undefined;
  /** Run attempts in local worker processes (default true); false leaves them to worker hosts that join. */
  readonly localWorkers?: boolean | undefined;
  /** A worker host silent for this long is dead and its attempts are retried (default 10 s). */
  readonly leaseMs?: number | undefined;
}

export interface PoolRegistryOptions {
  readonly settings: PoolSettings;
  /** Root URI of the engine's blob store (the workers read and write run data there). */
  readonly blobs: string;
  readonly onMessage: (worker: PoolWorker, message: WorkerMessage) => void;
  /** A worker of `pool` died; its attempts fail with `reason(what)`. */
  readonly onExit: (pool: WorkerPool, worker: PoolWorker, reason: (what: string) => Error) => void;
  readonly log: (line: string) => void;
}

const DEFAULT_CONCURRENCY = 64;
const DEFAULT_IDLE_TTL_MS = 5 * 60_000;

interface PoolPlace {
  readonly key: string;
  readonly env: string;
  readonly module: string;
}

export class PoolRegistry {
  /** Worker hosts that joined (flyte start worker); the server's routes register them here. */
  readonly hosts: WorkerHosts;
  private readonly pools = new Map<string, WorkerPool>();
  /** The pool each task runs on, once chosen (the hot path looks it up here). */
  private readonly poolOfTask = new WeakMap<TaskTemplate, WorkerPool>();
  /** Where each pool that hosts may serve stands (pools with secrets have none: they stay local). */
  private readonly places = new WeakMap<WorkerPool, PoolPlace>();
  private readonly cores = hostCapacity().cpu;
  /** Secret files of pools with mountPaths, held by pool key. */
  private readonly mounts: SecretMounts;
  private closed = false;

  constructor(private readonly options: PoolRegistryOptions) {
    const { stateDir } = options.settings;
    this.mounts = new SecretMounts({
      protectedDirs: stateDir === undefined ? [] : [stateDir],
      ledger: stateDir === undefined ? undefined : path.join(stateDir, "secret-mounts.json"),
      writer: "the flyte server",
    });
    this.hosts = new WorkerHosts({
      leaseMs: options.settings.leaseMs,
      log: options.log,
      onJoin: (host) => {
        for (const pool of this.pools.values()) {
          const place = this.places.get(pool);
          if (place && host.serves(place.env)) this.attachHost(pool, host);
        }
      },
    });
  }

  /** The shared pool of a module: it also reads the module's tasks. */
  defaultPool(module: ModuleRef): WorkerPool {
    const policy: PoolPolicy = {
      minReplicas: 1,
      maxReplicas: Math.max(1, this.cores),
      concurrency: DEFAULT_CONCURRENCY,
      idleTtlMs: DEFAULT_IDLE_TTL_MS,
      ...this.options.settings.defaultPool,
    };
    return this.pool("*", module, policy, {}, null);
  }

  /** Environments with a ReusePolicy, env vars or a memory limit get pools of their own; the rest share one. */
  poolFor(module: ModuleRef, task: TaskTemplate): WorkerPool {
    let pool = this.poolOfTask.get(task);
    if (!pool) {
      const { reusable, envVars, memoryLimitBytes } = task.placement;
      pool =
        !reusable && Object.keys(envVars).length === 0 && memoryLimitBytes === null
          ? this.defaultPool(module)
          : this.pool(task.envName, module, this.ownPolicy(task), envVars, memoryLimitBytes);
      this.poolOfTask.set(task, pool);
    }
    return pool;
  }

  /**
   * The pool of a task that declares secrets: their values (resolved now, for the run's project and domain) are
   * the env vars of its processes, so each scope and each set of values gets a pool of its own. A missing secret
   * fails the attempt before it runs; the values are never logged or recorded.
   */
  async poolWithSecrets(module: ModuleRef, task: TaskTemplate, scope: { project: string; domain: string }): Promise<WorkerPool> {
    const { resolveSecrets, localWorkers } = this.options.settings;
    if (!resolveSecrets) {
      throw new InvalidInputError(`task ${task.id} declares secrets, but this server has no secret store to take them from`);
    }
    if (localWorkers === false) {
      // Secrets are never sent to worker hosts (yet): they would cross the network in the work stream.
      throw new InvalidInputError(
        `task ${task.id} declares secrets, which only the server's own worker processes receive, and this server starts none (--no-local-workers)`,
      );
    }
    const values = await resolveSecrets(scope, task.placement.secrets);
    const { envVars, memoryLimitBytes } = task.placement;
    const fingerprint = hashText(JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b))));
    const env = `${task.envName}\u0000secrets\u0000${fingerprint}`;
    // Written before the pool's first worker starts (and checked again by every attempt: a no-op once held).
    for (const secret of task.placement.secrets) {
      if (secret.mountPath === undefined) continue;
      const label = secret.group === undefined ? secret.key : `${secret.group}/${secret.key}`;
      const value = values[secret.asEnvVar] ?? "";
      this.mounts.acquire(poolKey(module, env), { label, scope: `project ${scope.project}, domain ${scope.domain}`, mountPath: secret.mountPath, value });
    }
    return this.pool(env, module, this.ownPolicy(task), { ...envVars, ...values }, memoryLimitBytes, false);
  }

  /** Lets the hosts go and stops every pool; resolves once their local processes have exited. */
  async close(): Promise<void> {
    this.closed = true;
    this.hosts.close();
    for (const pool of this.pools.values()) pool.close();
    try {
      await Promise.all([...this.pools.values()].map((pool) => pool.exited()));
    } finally {
      // Only once no worker that may read them is left.
      this.mounts.removeAll();
    }
  }

  /** An environment's own pool: its ReusePolicy, or one attempt per process on up to all cores. */
  private ownPolicy(task: TaskTemplate): PoolPolicy {
    return task.placement.reusable ?? { minReplicas: 0, maxReplicas: Math.max(1, this.cores), concurrency: 1, idleTtlMs: DEFAULT_IDLE_TTL_MS };
  }

  /** The pool of `env` ("*": the shared default) for `module`, created on first use with the hosts that serve it. */
  private pool(
    env: string,
    module: ModuleRef,
    policy: PoolPolicy,
    envVars: Readonly<Record<string, string>>,
    memoryLimitBytes: number | null,
    hostable = true,
  ): WorkerPool {
    const key = poolKey(module, env);
    let pool = this.pools.get(key);
    if (!pool) {
      const { settings, log, onMessage, onExit, blobs } = this.options;
      const created: WorkerPool = new WorkerPool({
        name: key,
        settings: { module: module.path, resolveFrom: settings.resolveFrom ?? process.cwd(), depsDir: module.depsDir, blobs, concurrency: policy.concurrency },
        policy,
        envVars,
        memoryLimitBytes,
        onMessage,
        onExit: (worker, reason) => onExit(created, worker, reason),
        log,
        local: settings.localWorkers ?? true,
      });
      pool = created;
      this.pools.set(key, pool);
      if (hostable) {
        this.places.set(pool, { key, env, module: module.hash });
        for (const host of this.hosts.all) if (host.serves(env)) this.attachHost(pool, host);
      }
      pool.warm();
    }
    return pool;
  }

  /** Adds a worker host to a pool, and again whenever its worker there exits while the host lives on. */
  private attachHost(pool: WorkerPool, host: WorkerHost): void {
    const place = this.places.get(pool);
    if (!place || !host.alive || this.closed) return;
    let loaded = false;
    const worker = new RemoteWorker(host, place.module, this.options.onMessage, (w, reason) => {
      this.options.onExit(pool, w, reason);
      if (host.workers.get(place.key) === w) host.workers.delete(place.key);
      // A module that never loaded there would fail again; one that crashed later gets a fresh process.
      if (loaded) this.attachHost(pool, host);
    });
    worker.ready.then(() => (loaded = true), () => undefined);
    host.workers.set(place.key, worker);
    pool.attach(worker);
  }
}

function poolKey(module: ModuleRef, env: string): string {
  return `${module.hash}\u0000${env}`;
}
