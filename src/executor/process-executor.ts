// The process executor: runs attempts of tasks from code bundles on pooled workers — local worker processes, and
// worker hosts that joined (flyte start worker); PoolRegistry picks the pool. The engine keeps every decision
// (names, cache, retries, timeouts); this part admits attempts by declared resources, places them on workers,
// performs the workers' calls through the engine's controller, and turns a dead worker (or a host whose lease ran
// out) into system errors. A module whose npm versions this host lacks gets them installed before it loads.
import path from "node:path";
import {
  type AttemptHandle,
  type AttemptRequest,
  type EngineHandle,
  type Executor,
  type TaskReference,
  type TaskTemplate,
} from "../engine/index.js";
import { ActionAbortedError, InvalidInputError, RuntimeSystemError, TaskNotFoundError, fromErrorRecord, toErrorRecord } from "../errors/index.js";
import type { ActionPhase } from "../store/index.js";
import type { CallRequest, WorkerMessage } from "../worker/protocol.js";
import { templateFromSpec } from "../worker/task-spec.js";
import { ModuleDeps } from "./module-deps.js";
import { ResourceAdmission, hostCapacity, type ResourceAmount } from "./admission.js";
import { PoolRegistry, type ModuleRef, type PoolSettings } from "./pool-registry.js";
import type { WorkerHosts } from "./worker-hosts.js";
import { ANSWERED, childKey, liveAttempt, type ChildCall, type LiveAttempt } from "./live-attempt.js";
import type { PoolWorker, WorkerPool } from "./worker-pool.js";

export type { ModuleRef } from "./pool-registry.js";

export interface ProcessExecutorOptions extends PoolSettings {
  /** What the host may run at once (default: all its cores and memory). */
  readonly capacity?: Partial<ResourceAmount> | undefined;
  /** How long an attempt may ignore its abort before its worker is killed (default 10 s). */
  readonly abortGraceMs?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** The code of a deployed task version (the latest when `version` is undefined); rejects naming what is missing. */
  readonly resolveDeployed?: ((scope: { project: string; domain: string }, taskId: string, version: string | undefined) => Promise<ModuleRef>) | undefined;
}

const DEFAULT_ABORT_GRACE_MS = 10_000;

export class ProcessExecutor implements Executor {
  private readonly pools: PoolRegistry;
  /** Calls for child actions in flight, by run and child action name. */
  private readonly childCalls = new Map<string, ChildCall>();
  /** Templates of each loaded module's tasks, and the module of each template. */
  private readonly catalogs = new Map<string, Promise<ReadonlyMap<string, TaskTemplate>>>();
  private readonly modules = new WeakMap<TaskTemplate, ModuleRef>();
  private readonly attempts = new Map<number, LiveAttempt>();
  private readonly admission: ResourceAdmission;
  private readonly deps: ModuleDeps;
  private readonly log: (line: string) => void;
  private nextAttempt = 1;
  private closed = false;

  constructor(
    private readonly engine: EngineHandle,
    private readonly options: ProcessExecutorOptions = {},
  ) {
    this.admission = new ResourceAdmission({ ...hostCapacity(), ...options.capacity });
    this.log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    const resolveFrom = options.resolveFrom ?? process.cwd();
    this.deps = new ModuleDeps({
      cacheDir: options.depsDir ?? path.join(options.stateDir ?? path.join(resolveFrom, ".flyte"), "deps"),
      resolveFrom,
      log: this.log,
    });
    this.pools = new PoolRegistry({
      settings: options,
      blobs: engine.resources.blobs.root,
      onMessage: (worker, message) => this.onMessage(worker, message),
      onExit: (pool, worker, reason) => this.onExit(pool, worker, reason),
      log: this.log,
    });
  }

  /** Worker hosts that joined (flyte start worker); the server's routes register them here. */
  get hosts(): WorkerHosts {
    return this.pools.hosts;
  }

  /**
   * Loads `module` in a worker and returns the tasks it defines, by id (cached per module). Its npm packages are
   * installed first when this host lacks their versions; every pool of the module then resolves them there.
   */
  load(module: ModuleRef): Promise<ReadonlyMap<string, TaskTemplate>> {
    let catalog = this.catalogs.get(module.hash);
    if (!catalog) {
      catalog = this.loadModule(module);
      // A module that failed to load may be fixed and loaded again.
      catalog.catch(() => this.catalogs.delete(module.hash));
      this.catalogs.set(module.hash, catalog);
    }
    return catalog;
  }

  private async loadModule(module: ModuleRef): Promise<ReadonlyMap<string, TaskTemplate>> {
    const prepared: ModuleRef = { ...module, depsDir: await this.deps.prepare(module) };
    const specs = await this.pools.defaultPool(prepared).describe();
    const templates = new Map<string, TaskTemplate>();
    for (const spec of specs) {
      const template = templateFromSpec(spec);
      this.modules.set(template, prepared);
      templates.set(template.id, template);
    }
    return templates;
  }

  runs(task: TaskTemplate): boolean {
    return this.modules.has(task);
  }

  execute(request: AttemptRequest): AttemptHandle {
    const module = this.modules.get(request.task);
    if (module === undefined || this.closed) {
      const reason = this.closed ? "the executor is closed" : "the task was not loaded by this executor";
      return { result: Promise.reject(new RuntimeSystemError(`cannot run task ${request.task.id}: ${reason}`)), stop: () => {} };
    }
    // A task with secrets gets its pool once they are resolved (see withSecrets).
    const pool = request.task.placement.secrets.length > 0 ? undefined : this.pools.poolFor(module, request.task);
    const { attempt, result } = liveAttempt(this.nextAttempt++, request, module, pool);
    this.attempts.set(attempt.id, attempt);
    this.admit(attempt);
    return { result, stop: (error) => this.stop(attempt, error) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = this.pools.close();
    for (const attempt of [...this.attempts.values()]) {
      this.finish(attempt, undefined, new RuntimeSystemError(`the engine stopped while action ${attempt.request.node.name} was running`));
    }
    await stopped;
  }

  /** Waits for declared resources (recording `waiting_for_resources` only when it actually waits), then places. */
  private admit(attempt: LiveAttempt): void {
    const { placement } = attempt.request.task;
    if (placement.secrets.length > 0 && !attempt.secretsResolved) {
      const { run, task } = attempt.request;
      const scope = { project: run.settings.project, domain: run.settings.domain };
      this.pools.poolWithSecrets(attempt.module, task, scope).then(
        (pool) => {
          if (attempt.stopped) return;
          attempt.pool = pool;
          attempt.secretsResolved = true;
          this.admit(attempt);
        },
        (error: unknown) => this.finish(attempt, undefined, error as Error),
      );
      return;
    }
    if (placement.cpu === 0 && placement.memoryBytes === 0) {
      attempt.pool?.acquire((worker) => this.place(attempt, worker), this.parentWorker(attempt));
      return;
    }
    let waited = false;
    this.admission
      .acquire(
        { cpu: placement.cpu, memoryBytes: placement.memoryBytes },
        {
          onWait: () => {
            waited = true;
            this.recordPhase(attempt, "waiting_for_resources");
          },
        },
      )
      .then(
        (lease) => {
          if (attempt.stopped) {
            lease.release();
            return;
          }
          attempt.lease = lease;
          if (waited) this.recordPhase(attempt, "running");
          attempt.pool?.acquire((worker) => this.place(attempt, worker), this.parentWorker(attempt));
        },
        (error: unknown) => this.finish(attempt, undefined, error as Error),
      );
  }

  /** The worker of the attempt whose call this attempt runs (children prefer it), when a worker made the call. */
  private parentWorker(attempt: LiveAttempt): PoolWorker | undefined {
    return this.callOf(attempt)?.parent.worker;
  }

  /** The call in flight that this attempt's action answers. */
  private callOf(attempt: LiveAttempt): ChildCall | undefined {
    const { run, node } = attempt.request;
    return this.childCalls.get(childKey(run.name, node.name));
  }

  private place(attempt: LiveAttempt, worker: PoolWorker): void {
    if (attempt.stopped) {
      attempt.pool?.drain();
      return;
    }
    const { run, node, task, inputs } = attempt.request;
    attempt.worker = worker;
    worker.attempts.add(attempt.id);
    const prior = run.prior.size === 0 ? [] : [...run.prior.values()].filter((action) => action.parentName === node.name);
    // A child placed in its caller's worker can hand its output over there, without the engine's reply in between.
    const caller = attempt.request.answerEarly ? this.callOf(attempt) : undefined;
    attempt.answers = caller?.parent.worker === worker ? caller : undefined;
    worker.send({
      t: "run",
      id: attempt.id,
      run: { name: run.name, project: run.settings.project, domain: run.settings.domain, rawDataPath: run.rawDataPath },
      action: node.name,
      attempt: node.attempt,
      taskId: task.id,
      inputs,
      prior,
      envVars: run.settings.envVars,
      ...(attempt.answers ? { answers: { call: attempt.answers.call, maxChars: this.engine.resources.inlineLimit } } : {}),
    });
  }

  private stop(attempt: LiveAttempt, error: Error): Promise<boolean> | undefined {
    if (attempt.stopped) return undefined;
    attempt.stopped = true;
    const { worker } = attempt;
    if (!worker) {
      // Not placed yet: it never runs.
      this.finish(attempt, undefined, error);
      return;
    }
    worker.send({ t: "abort", id: attempt.id, error: toErrorRecord(error) });
    const grace = this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    attempt.graceTimer = setTimeout(() => {
      if (!this.attempts.has(attempt.id)) return;
      const { node } = attempt.request;
      this.log(`killing ${worker.label}: action ${node.name} ignored its abort for ${grace} ms`);
      worker.kill(
        new RuntimeSystemError(
          `${worker.label} was killed because action ${node.name} kept running ${grace} ms after it was stopped (${error.message}); ` +
            "tasks should watch ctx().signal",
        ),
      );
    }, grace);
    attempt.graceTimer.unref();
    // Its worker may have answered its caller in the meantime; the worker says which before anything else.
    if (!attempt.answers) return undefined;
    return new Promise((resolve) => (attempt.stopSettled = resolve));
  }

  /** Settles a stop that waited on the worker (see stop). */
  private stopSettled(attempt: LiveAttempt, answered: boolean): void {
    const settle = attempt.stopSettled;
    attempt.stopSettled = undefined;
    settle?.(answered);
  }

  /** Ends an attempt: frees its slot and resources, and settles its result (a no-op when already stopped). */
  private finish(attempt: LiveAttempt, outputs: string | undefined, error: Error | undefined): void {
    if (!this.attempts.delete(attempt.id)) return;
    clearTimeout(attempt.graceTimer);
    this.stopSettled(attempt, false);
    attempt.lease?.release();
    const { worker } = attempt;
    if (worker) {
      worker.attempts.delete(attempt.id);
      if (attempt.calls > 0) worker.waiting--;
      if (worker.attempts.size === 0) worker.idleSince = Date.now();
    }
    if (error) attempt.reject(error);
    else attempt.resolve(outputs ?? "null");
    attempt.pool?.drain();
  }

  private onMessage(worker: PoolWorker, message: WorkerMessage): void {
    switch (message.t) {
      case "result": {
        const attempt = this.attempts.get(message.id);
        if (!attempt) return;
        const outputs = message.error ? undefined : (message.outputs ?? "null");
        const { answers } = attempt;
        if (answers && message.answered) {
          answers.answered = true;
          answers.parent.unrecorded++;
          this.stopSettled(attempt, true);
        }
        const finish = () => this.finish(attempt, outputs, message.error ? fromErrorRecord(message.error) : undefined);
        if (attempt.unrecorded > 0) attempt.held = finish;
        else finish();
        return;
      }
      case "call":
        void this.call(worker, message.id, message.call, message.request);
        return;
      case "log":
        this.engine.resources.batcher.enqueue(message.op);
        return;
      case "stopped": {
        const attempt = this.attempts.get(message.id);
        if (attempt) this.stopSettled(attempt, false);
        return;
      }
      default:
        return;
    }
  }

  private async call(worker: PoolWorker, id: number, call: number, request: CallRequest): Promise<void> {
    let outputs: string | null | typeof ANSWERED = null;
    let error: Error | undefined;
    try {
      outputs = await this.perform(id, call, request);
    } catch (thrown) {
      error = thrown as Error;
    }
    if (outputs === ANSWERED || !worker.alive) return;
    worker.send({ t: "reply", call, outputs, error: error ? toErrorRecord(error) : null });
  }

  /** Does what task code in a worker asked for, as the parent action's own controller would. */
  private async perform(id: number, call: number, request: CallRequest): Promise<string | null | typeof ANSWERED> {
    const attempt = this.attempts.get(id);
    if (!attempt) throw new ActionAbortedError(`the attempt that made this call is no longer running`);
    const { run, node, task } = attempt.request;
    const { controller } = this.engine;
    switch (request.kind) {
      case "task": {
        const module = request.ref === undefined ? attempt.module : await this.deployedModule(run.settings, request.taskId, request.ref);
        const catalog = await this.load(module);
        const child = catalog.get(request.taskId);
        if (!child) throw new TaskNotFoundError(`task ${request.taskId} is not defined by ${module.path}`);
        const frame = { run, node, task: child, args: [], group: request.group };
        this.waitForChildren(attempt, +1);
        const key = childKey(run.name, request.name);
        const pending: ChildCall = { parent: attempt, call, answered: false };
        this.childCalls.set(key, pending);
        try {
          const outputs = await controller.submitNamed(frame, child, { name: request.name, seq: request.seq, inputs: request.inputs, prior: run.prior.get(request.name) });
          return pending.answered ? ANSWERED : outputs;
        } finally {
          if (this.childCalls.get(key) === pending) this.childCalls.delete(key);
          this.waitForChildren(attempt, -1);
          if (pending.answered && --attempt.unrecorded === 0 && attempt.held) attempt.held();
        }
      }
      case "trace":
        await controller.recordTrace({ run, node, task, args: [], group: request.group }, request);
        return null;
      case "report":
        await controller.saveReport({ run, node, task, args: [], group: null }, request.html);
        return null;
    }
  }

  /** The code of a deployed task a worker called by name (remote.Task.get), in the calling run's scope by default. */
  private deployedModule(run: { project: string; domain: string }, taskId: string, ref: TaskReference): Promise<ModuleRef> {
    const { resolveDeployed } = this.options;
    if (!resolveDeployed) {
      return Promise.reject(new InvalidInputError(`task ${taskId} is a deployed task (remote.Task.get), and this executor has no deploy registry to find it in`));
    }
    return resolveDeployed({ project: ref.project ?? run.project, domain: ref.domain ?? run.domain }, taskId, ref.version);
  }

  /** An attempt waiting for children gives its slot to other work; it takes it back when they are done. */
  private waitForChildren(attempt: LiveAttempt, delta: 1 | -1): void {
    const { worker } = attempt;
    if (!worker || !this.attempts.has(attempt.id)) return;
    const before = attempt.calls;
    attempt.calls += delta;
    if (before === 0 && attempt.calls === 1) {
      worker.waiting++;
      attempt.pool?.drain();
    } else if (before === 1 && attempt.calls === 0) {
      worker.waiting--;
    }
  }

  private onExit(pool: WorkerPool, worker: PoolWorker, reason: (what: string) => Error): void {
    pool.remove(worker);
    for (const id of [...worker.attempts]) {
      const attempt = this.attempts.get(id);
      if (!attempt) continue;
      const { run, node } = attempt.request;
      this.finish(attempt, undefined, reason(`attempt ${node.attempt} of action ${node.name} (run ${run.name})`));
    }
  }

  private recordPhase(attempt: LiveAttempt, phase: ActionPhase): void {
    const { run, node } = attempt.request;
    this.engine.resources.batcher.enqueue({
      op: "action.transition",
      transition: { runName: run.name, name: node.name, phase, attempt: node.attempt },
    });
  }
}
