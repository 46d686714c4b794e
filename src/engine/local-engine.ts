// The embedded engine of local mode: a RunStore and a data folder under `.flyte/`, runs executed in this
// process. It starts runs, resumes runs whose process died, aborts runs (also when another process asks
// through the store), and flushes everything before it closes.
import path from "node:path";
import {
  ActionAbortedError,
  InvalidInputError,
  RunNotFoundError,
  TaskNotFoundError,
  fromErrorRecord,
  toErrorRecord,
} from "../errors/index.js";
import type { ErrorRecord } from "../errors/index.js";
import { decodeValue, encodeValue } from "../io/index.js";
import { FolderBlobStore, type BlobStore } from "../blob/index.js";
import { registerBlobStore } from "../io/data-context.js";
import { TERMINAL_PHASES, openSqliteStore, type ActionPhase, type RunStore, type WriteOp } from "../store/index.js";
import { attemptDataPrefix, installDataContext } from "./data-context-provider.js";
import { storedValue } from "./resources.js";
import { DEFAULT_INLINE_LIMIT, loadStoredValue } from "./value-offload.js";
import { descendantAborted, lostAttempt, runAttempts } from "./attempt-runner.js";
import { CacheSystem, cacheKeyFor } from "./cache.js";
import { LocalController } from "./local-controller.js";
import { LocalSecrets } from "./local-secrets.js";
import { installLogCapture } from "./log-capture.js";
import { ROOT_ACTION, isValidRunName, newRunName } from "./naming.js";
import type { EngineResources } from "./resources.js";
import { RunState, type RunSettings } from "./run-state.js";
import type { Executor, TaskTemplate } from "./types.js";
import { WriteBatcher, type DurabilityPolicy } from "./write-batcher.js";

const ABORT_POLL_MS = 500;

export interface EngineOptions {
  /** Encoded inputs/outputs longer than this many characters go to the blob store (default 1 MiB). */
  readonly inlineLimit?: number | undefined;
  /** Builds the executor that runs tasks in worker processes; without one every task runs in this process. */
  readonly executor?: ((engine: EngineHandle) => Executor) | undefined;
  /** When commits wait for the disk (default "runs"; see DurabilityPolicy). */
  readonly durability?: DurabilityPolicy | undefined;
  /**
   * Tasks run in this process take their declared secrets from its environment (`asEnvVar`), and get them written
   * at their mountPath for the run; never inside `protectedDirs`. Local mode (`open`) sets it; without it declared
   * secrets of inline tasks are not checked.
   */
  readonly localSecrets?: { readonly protectedDirs: readonly string[]; readonly ledger?: string | undefined } | undefined;
}

/** What an executor gets from its engine: the resources, and the controller that performs workers' calls. */
export interface EngineHandle {
  readonly resources: EngineResources;
  readonly controller: LocalController;
}

export interface RunOptions extends RunSettings {
  /** A run name chosen by the caller; a fresh random one otherwise. */
  readonly name?: string | undefined;
  /** Capture console output of the run's actions into the store (default true). */
  readonly captureLogs?: boolean | undefined;
}

/** Builds the writes that record a run's start, given the RunStore form of its inputs. */
type RunOps = (storedInputs: string) => WriteOp[];

/** How a run ended. `outputs` is the encoded output; `error` is the thrown error itself when the run ended here. */
export interface RunOutcome {
  readonly phase: ActionPhase;
  readonly outputs: string | null;
  readonly error: Error | null;
}

export interface RunExecution {
  readonly name: string;
  readonly done: Promise<RunOutcome>;
  abort(reason: string): void;
}

export class LocalEngine {
  readonly resources: EngineResources;
  private readonly controller: LocalController;
  private readonly active = new Map<string, RunState>();
  private abortPoller: NodeJS.Timeout | undefined;
  private closed = false;

  /** Opens (creating when needed) the local engine whose state lives in `dir` (usually `.flyte`). */
  static open(dir: string, options: EngineOptions & { blobs?: BlobStore | undefined } = {}): LocalEngine {
    const blobs = options.blobs ?? new FolderBlobStore(path.join(dir, "data"));
    const localSecrets = options.localSecrets ?? { protectedDirs: [dir], ledger: path.join(dir, "secret-mounts.json") };
    return new LocalEngine(openSqliteStore(path.join(dir, "local.db")), blobs, { ...options, localSecrets });
  }

  constructor(store: RunStore, blobs: BlobStore, options: EngineOptions = {}) {
    const batcher = new WriteBatcher(store, { durability: options.durability });
    const inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    const resources: { -readonly [K in keyof EngineResources]: EngineResources[K] } = { store, batcher, cache: new CacheSystem(store), blobs, inlineLimit };
    if (options.localSecrets) resources.localSecrets = new LocalSecrets(options.localSecrets);
    this.resources = resources;
    this.controller = new LocalController(this.resources);
    if (options.executor) resources.executor = options.executor({ resources: this.resources, controller: this.controller });
    registerBlobStore(blobs);
    installLogCapture();
    installDataContext();
  }

  get store(): RunStore {
    return this.resources.store;
  }

  /** Starts a run of `task` with `args`; the run is recorded before this returns its handle's promise. */
  start(task: TaskTemplate, args: readonly unknown[], options: RunOptions): RunExecution {
    this.ensureOpen();
    const name = options.name ?? newRunName();
    if (!isValidRunName(name)) {
      throw new InvalidInputError(`run name "${name}" is invalid: use lowercase letters, digits and "-", starting with a letter`);
    }
    const inputs = encodeValue(args, { what: `inputs of task ${task.id}` });
    const run = this.newRunState(name, options);
    const now = Date.now();
    const created = (storedInputs: string): WriteOp[] => [
      {
        op: "run.insert",
        run: {
          name,
          project: options.project,
          domain: options.domain,
          taskName: task.id,
          phase: "running",
          inputs: storedInputs,
          outputs: null,
          error: null,
          labels: { ...options.labels },
          createdAt: now,
          endedAt: null,
          abortRequested: null,
        },
      },
    ];
    return this.launch(run, task, inputs, 1, created);
  }

  /**
   * Continues a run whose process stopped (or that failed): the root task runs again and every action that
   * already succeeded is re-attached by its deterministic name instead of running again.
   */
  async resume(
    runName: string,
    resolveTask: (taskId: string) => TaskTemplate | undefined,
    options: Partial<RunOptions> = {},
  ): Promise<RunExecution> {
    this.ensureOpen();
    const record = await this.store.getRun(runName);
    if (!record) throw new RunNotFoundError(`run "${runName}" does not exist in this store; list runs with "flyte get run"`);
    if (this.active.has(runName)) throw new InvalidInputError(`run "${runName}" is already running in this process`);
    const task = resolveTask(record.taskName);
    if (!task) {
      throw new TaskNotFoundError(
        `run "${runName}" runs task "${record.taskName}", which is not loaded; import the module that defines it before resuming`,
      );
    }
    if (record.phase === "succeeded") {
      // Nothing to do: hand back the recorded output without loading the run's actions.
      const outputs = record.outputs === null ? null : await loadStoredValue(record.outputs);
      return { name: runName, done: Promise.resolve({ phase: "succeeded", outputs, error: null }), abort: () => {} };
    }
    const actions = await this.store.listActions(runName);
    const root = actions.find((action) => action.name === ROOT_ACTION);
    const run = this.newRunState(runName, {
      project: record.project,
      domain: record.domain,
      labels: record.labels,
      envVars: options.envVars ?? {},
      overwriteCache: options.overwriteCache ?? false,
      captureLogs: options.captureLogs,
    });
    run.rememberPrior(actions);
    const ops: WriteOp[] = [{ op: "run.transition", transition: { name: runName, phase: "running", endedAt: null, error: null } }];
    if (root && !TERMINAL_PHASES.has(root.phase)) ops.push(lostAttempt(root));
    return this.launch(run, task, await loadStoredValue(record.inputs), (root?.attempt ?? 0) + 1, () => ops);
  }

  /** Sees every write of every run of this engine as it is queued (see WriteBatcher.observe). */
  observe(observer: (op: WriteOp) => void): () => void {
    return this.resources.batcher.observe(observer);
  }

  /** Aborts a run started by this engine; returns false when it is not running here. */
  abort(runName: string, reason: string): boolean {
    const run = this.active.get(runName);
    if (!run) return false;
    run.root.abort(new ActionAbortedError(`run ${runName} was aborted: ${reason}`), descendantAborted);
    return true;
  }

  /** Asks whichever process runs `runName` to abort it (that process polls the store). */
  async requestAbort(runName: string, reason: string): Promise<void> {
    if (this.abort(runName, reason)) return;
    const record = await this.store.getRun(runName);
    if (!record) throw new RunNotFoundError(`run "${runName}" does not exist in this store`);
    await this.resources.batcher.write({ op: "run.requestAbort", name: runName, reason });
  }

  /** Waits for queued writes, then closes the store. Runs still active are left as they are (resumable). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.abortPoller);
    await this.resources.executor?.close();
    this.resources.localSecrets?.close();
    await this.resources.batcher.flush();
    await this.store.close();
  }

  private newRunState(name: string, options: RunOptions): RunState {
    const sink = options.captureLogs === false ? undefined : (op: WriteOp) => this.resources.batcher.enqueue(op);
    const { blobs } = this.resources;
    return new RunState(name, options, this.controller, blobs, blobs.uriOf(`runs/${name}`), sink);
  }

  private launch(run: RunState, task: TaskTemplate, inputs: string, firstAttempt: number, ops: RunOps): RunExecution {
    this.active.set(run.name, run);
    this.resources.batcher.forgetFailure(run.name);
    this.pollAborts();
    const done = this.execute(run, task, inputs, firstAttempt, ops).finally(() => {
      this.resources.localSecrets?.endRun(run.name);
      this.active.delete(run.name);
      if (this.active.size === 0) {
        clearInterval(this.abortPoller);
        this.abortPoller = undefined;
      }
    });
    return { name: run.name, done, abort: (reason) => void this.abort(run.name, reason) };
  }

  private execute(run: RunState, task: TaskTemplate, inputs: string, firstAttempt: number, ops: RunOps): Promise<RunOutcome> {
    const args = decodeValue(inputs) as unknown[];
    const cacheKey = cacheKeyFor(task, args, inputs);
    if (cacheKey !== null && task.cache.serialize) {
      return this.resources.cache.serialize(cacheKey, () => this.executeRoot(run, task, inputs, args, cacheKey, firstAttempt, ops));
    }
    return this.executeRoot(run, task, inputs, args, cacheKey, firstAttempt, ops);
  }

  private async executeRoot(
    run: RunState,
    task: TaskTemplate,
    inputs: string,
    args: unknown[],
    cacheKey: string | null,
    firstAttempt: number,
    runOps: RunOps,
  ): Promise<RunOutcome> {
    const { batcher } = this.resources;
    const now = Date.now();
    const storedInputs = await storedValue(this.resources, inputs, `${attemptDataPrefix(run.rawDataPath, ROOT_ACTION, firstAttempt)}/inputs.json`);
    const ops = runOps(storedInputs);
    const root = {
      runName: run.name,
      name: ROOT_ACTION,
      parentName: null,
      type: "task" as const,
      taskName: task.id,
      group: null,
      seq: 0,
      phase: "running" as const,
      attempt: firstAttempt,
      inputs: storedInputs,
      outputs: null,
      error: null,
      cacheKey,
      cacheStatus: cacheKey === null ? ("disabled" as const) : ("miss" as const),
      createdAt: now,
      startedAt: now,
      endedAt: null,
    };
    if (cacheKey !== null && !run.settings.overwriteCache) {
      const hit = await this.resources.cache.lookup(cacheKey);
      if (hit) {
        await batcher.write(...ops, { op: "action.insert", action: { ...root, phase: "succeeded", outputs: hit.outputs, cacheStatus: "hit", endedAt: now } });
        return this.finish(run, { phase: "succeeded", outputs: await loadStoredValue(hit.outputs), error: null }, hit.outputs);
      }
    }
    // The root starts before its run's record commits (see LocalController.execute); RunLauncher waits for that
    // commit itself when a client is to be told the run exists before it ends.
    const recorded = batcher.writeSoon(...ops, { op: "action.insert", action: root });
    try {
      const output = await runAttempts({
        resources: this.resources,
        run,
        node: run.root,
        task,
        inputs,
        args,
        cacheKey,
        firstAttempt,
        alsoOnSuccess: (outputs, endedAt) => [runEnd(run.name, "succeeded", endedAt, outputs, null)],
      });
      await recorded;
      return { phase: "succeeded", outputs: output.encoded, error: null };
    } catch (error) {
      const stored = await this.store.getAction(run.name, ROOT_ACTION);
      const phase = stored && TERMINAL_PHASES.has(stored.phase) ? stored.phase : "failed";
      return await this.finish(run, { phase, outputs: null, error: error as Error }, null);
    }
  }

  /** Records how the run ended; `storedOutputs` is the RunStore form of `outcome.outputs` (possibly offloaded). */
  private async finish(run: RunState, outcome: RunOutcome, storedOutputs: string | null): Promise<RunOutcome> {
    const error: ErrorRecord | null = outcome.error ? toErrorRecord(outcome.error) : null;
    await this.resources.batcher.write(runEnd(run.name, outcome.phase, Date.now(), storedOutputs, error));
    return outcome;
  }

  private pollAborts(): void {
    if (this.abortPoller) return;
    this.abortPoller = setInterval(() => void this.checkAbortRequests(), ABORT_POLL_MS);
    this.abortPoller.unref();
  }

  private async checkAbortRequests(): Promise<void> {
    for (const name of this.active.keys()) {
      const record = await this.store.getRun(name).catch(() => undefined);
      if (record?.abortRequested) this.abort(name, record.abortRequested);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new InvalidInputError("this engine is closed; open a new one");
  }
}

function runEnd(name: string, phase: ActionPhase, endedAt: number, outputs: string | null, error: ErrorRecord | null): WriteOp {
  return { op: "run.transition", transition: { name, phase, endedAt, outputs, error } };
}

/** Revives the stored error of a finished run (used when the run ended in another process). */
export function storedRunError(record: { error: ErrorRecord | null }): Error | null {
  return record.error ? fromErrorRecord(record.error) : null;
}
