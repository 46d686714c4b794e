// Starting runs and the Run handle. flyte.run() starts a run in the local engine, or on the server set with
// flyte.init({ endpoint }), and returns at once; the handle waits for, inspects and aborts it, the same way for
// both. resume() continues a local run whose process stopped.
import path from "node:path";
import { InvalidInputError, InvalidOptionError } from "../errors/index.js";
import type { TaskReference } from "../engine/index.js";
import type { ActionPhase, ActionRecord, AttemptRecord, LogRecord, RunRecord } from "../store/index.js";
import { clientFor, currentSettings, localEngine, resolveMode } from "./config.js";
import { getRun, listRuns, runDetails, type RunDetails, type RunListOptions, type RunLookupOptions } from "./remote/index.js";
import { checkKnownKeys, checkPlainObject } from "./option-checks.js";
import { checkEnvVars } from "./option-values.js";
import { startDeployedRun, startRemoteRun } from "./remote-run.js";
import { LocalRunBackend } from "./local-run.js";
import { registeredTask, taskTemplateOf, type Task } from "./task.js";
import { taskSourceFile } from "./task-source.js";

export interface RunContextOptions {
  /** "remote" runs on the server set with flyte.init({ endpoint }); the default is "remote" when one is set, else "local". */
  mode?: "local" | "remote";
  /** A name for the run (default: generated). */
  name?: string;
  project?: string;
  domain?: string;
  envVars?: Record<string, string>;
  labels?: Record<string, string>;
  /** Re-execute cached tasks and replace their cache entries. */
  overwriteCache?: boolean;
  /** Folder of the local engine's state (default: the one set by flyte.init, else `.flyte`). */
  localDir?: string;
  /** Capture console output of tasks into the run's logs (default true). */
  captureLogs?: boolean;
}

const RUN_CONTEXT_KEYS = ["mode", "name", "project", "domain", "envVars", "labels", "overwriteCache", "localDir", "captureLogs"] as const;

/**
 * Where a run executes, as its Run handle sees it: this process's engine (LocalRunBackend) or a Flyte server
 * (RemoteRunBackend in remote-run.ts). The handle's methods are each one call here.
 */
export { untilAborted } from "./local-run.js";

export interface RunBackend {
  readonly url: string;
  /** The last known phase. */
  readonly phase: ActionPhase;
  /** Resolves with the final phase; `signal` stops waiting (the run goes on). */
  wait(signal: AbortSignal | undefined): Promise<ActionPhase>;
  /** The root task's encoded output once the run succeeded; rejects with the run's error otherwise. */
  outputs(): Promise<unknown>;
  abort(reason: string): Promise<void>;
  logs(actionName: string | undefined): Promise<LogRecord[]>;
  actions(): Promise<ActionRecord[]>;
  /** Each action whenever it is new or its phase or attempt changed, until the run ends. */
  watch(intervalMs: number | undefined): AsyncGenerator<ActionRecord>;
  /** The run's record as stored now (also refreshes `phase`). */
  record(): Promise<RunRecord>;
  /** One action with its attempts, or undefined when the run has no such action. */
  action(name: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] } | undefined>;
}

let backendOf: (run: Run) => RunBackend;

/** @internal The backend behind a Run handle (flyte/remote's Action reads through it). */
export function runBackend(run: Run): RunBackend {
  return backendOf(run);
}

/**
 * A run, wherever it executes: started by flyte.run() (locally, or on a server after flyte.init({ endpoint })),
 * resumed by flyte.resume(), or looked up with Run.get() / Run.list() (also as `remote.Run` from "flyte/remote").
 */
export class Run<R = unknown> {
  readonly name: string;
  readonly #backend: RunBackend;

  static {
    backendOf = (run) => run.#backend;
  }

  /**
   * A run by name: on the server set with flyte.init({ endpoint }), else in the local store (`.flyte/`), in the
   * project and domain of `options` (default: flyte.init's). Rejects with RunNotFoundError when there is none.
   * @example const run = await remote.Run.get("r3x9k2"); console.log(run.phase, await run.outputs());
   */
  static get<R = unknown>(name: string, options: RunLookupOptions = {}): Promise<Run<R>> {
    return getRun<R>(name, options);
  }

  /**
   * Runs of one project and domain (default: flyte.init's), newest first, optionally only in one `phase`.
   * @example for (const run of await remote.Run.list({ limit: 10, phase: "failed" })) console.log(run.name);
   */
  static list(options: RunListOptions = {}): Promise<Run[]> {
    return listRuns(options);
  }

  /** @internal Runs are made by flyte.run(), withRunContext().run() and flyte.resume(). */
  constructor(name: string, backend: RunBackend) {
    this.name = name;
    this.#backend = backend;
  }

  /** Where the run can be found: `file://<localDir>#run=NAME` locally, the run's API URL on a server. */
  get url(): string {
    return this.#backend.url;
  }

  /** The last known phase ("running" until the run ends). */
  get phase(): ActionPhase {
    return this.#backend.phase;
  }

  /** Resolves with the final phase. `signal` stops waiting (the run goes on). */
  async wait(options: { signal?: AbortSignal } = {}): Promise<ActionPhase> {
    options.signal?.throwIfAborted();
    return this.#backend.wait(options.signal);
  }

  /** The root task's output; rejects with the run's error (same class, code and message) when it failed. */
  async outputs(): Promise<R> {
    return (await this.#backend.outputs()) as R;
  }

  /** Aborts the run: every running action's signal fires and the run ends as "aborted". */
  async abort(reason = "aborted by the user"): Promise<void> {
    await this.#backend.abort(reason);
  }

  /** Captured console output of the run's actions. */
  async logs(actionName?: string): Promise<LogRecord[]> {
    return this.#backend.logs(actionName);
  }

  /** All actions of the run, in creation order. */
  async actions(): Promise<ActionRecord[]> {
    return this.#backend.actions();
  }

  /** Yields each action whenever it is new or its phase changed, until the run ends. */
  watch(options: { intervalMs?: number } = {}): AsyncGenerator<ActionRecord> {
    return this.#backend.watch(options.intervalMs);
  }

  /**
   * The run as recorded now: project, domain, root task, phase, times, labels and its error (revived).
   * @example const { task, phase, error } = await run.details();
   */
  async details(): Promise<RunDetails> {
    return runDetails(await this.#backend.record(), this.url);
  }
}

/** A configured way to start runs: `flyte.withRunContext({ ... }).run(task, ...args)`. */
export interface RunContext {
  run<A extends unknown[], R>(task: Task<A, R>, ...args: A): Promise<Run<Awaited<R>>>;
  resume<R = unknown>(runName: string): Promise<Run<R>>;
}

/**
 * Run settings for the runs started through the returned context.
 * @example const run = await flyte.withRunContext({ mode: "local", overwriteCache: true }).run(main, [1, 2, 3]);
 */
export function withRunContext(options: RunContextOptions = {}): RunContext {
  checkPlainObject(options, "withRunContext options");
  checkKnownKeys(options, RUN_CONTEXT_KEYS, "withRunContext");
  const mode = resolveMode(options.mode, "withRunContext");
  const settings = currentSettings();
  const dir = options.localDir ?? settings.localDir;
  const runOptions = {
    name: options.name,
    project: options.project ?? settings.project,
    domain: options.domain ?? settings.domain,
    envVars: checkEnvVars(options.envVars, 'withRunContext: option "envVars"'),
    labels: checkEnvLabels(options.labels),
    overwriteCache: options.overwriteCache === true,
    captureLogs: options.captureLogs,
  };
  return {
    async run<A extends unknown[], R>(task: Task<A, R>, ...args: A): Promise<Run<Awaited<R>>> {
      const template = taskTemplateOf(task);
      if (!template) {
        throw new InvalidInputError(
          `flyte.run expects a task (created with env.task(...)) as its first argument, got ${typeof task === "function" ? `the plain function "${(task as { name: string }).name}"` : typeof task}`,
        );
      }
      if (template.reference) {
        if (mode !== "remote") {
          throw new InvalidOptionError(`flyte.run: ${template.id} is a deployed task (remote.Task.get), which runs on a Flyte server; call flyte.init({ endpoint }) first`);
        }
        return startDeployed<Awaited<R>>(template.id, template.reference, args, runOptions);
      }
      if (mode === "remote") return startRemote<Awaited<R>>(task, template.id, args, runOptions);
      const engine = localEngine(dir);
      const execution = engine.start(template, args, runOptions);
      return new Run<Awaited<R>>(execution.name, new LocalRunBackend(execution, engine, path.resolve(dir)));
    },
    async resume<R = unknown>(runName: string): Promise<Run<R>> {
      if (mode === "remote") {
        throw new InvalidOptionError(
          `flyte.resume("${runName}"): resume continues a local run whose process stopped; runs on a server are recovered by the server. Pass { mode: "local" } to resume a local run`,
        );
      }
      const engine = localEngine(dir);
      const execution = await engine.resume(runName, registeredTask, runOptions);
      return new Run<R>(execution.name, new LocalRunBackend(execution, engine, path.resolve(dir)));
    },
  };
}

/**
 * Starts a run of `task` with `args` and returns its handle at once.
 * @example const run = await flyte.run(main, [1, 2, 3]); console.log(await run.outputs());
 */
export function run<A extends unknown[], R>(task: Task<A, R>, ...args: A): Promise<Run<Awaited<R>>> {
  return withRunContext().run(task, ...args);
}

/**
 * Continues a run whose process stopped: actions that already succeeded are re-attached, not run again.
 * The module that defines the run's task must be imported first.
 */
export function resume<R = unknown>(runName: string, options: RunContextOptions = {}): Promise<Run<R>> {
  return withRunContext(options).resume<R>(runName);
}

interface RemoteRunOptions {
  readonly name: string | undefined;
  readonly project: string;
  readonly domain: string;
  readonly envVars: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly overwriteCache: boolean;
}

/** Starts a run of a deployed task (the latest version, or the one the reference pins) on the server. */
function startDeployed<R>(taskId: string, reference: TaskReference, args: readonly unknown[], options: RemoteRunOptions): Promise<Run<R>> {
  refuseRemoteEnvVars(options);
  return startDeployedRun<R>(clientFor(currentSettings().endpoint ?? ""), {
    taskId,
    args,
    version: reference.version,
    name: options.name,
    project: reference.project ?? options.project,
    domain: reference.domain ?? options.domain,
    labels: options.labels,
    overwriteCache: options.overwriteCache,
  });
}

function refuseRemoteEnvVars(options: RemoteRunOptions): void {
  if (Object.keys(options.envVars).length > 0) {
    throw new InvalidOptionError('withRunContext: option "envVars" is not supported for remote runs yet; set the variables with the TaskEnvironment\'s env option');
  }
}

/** Starts `task` on the configured server from a bundle of the file that defined it. */
async function startRemote<R>(task: object, taskId: string, args: readonly unknown[], options: RemoteRunOptions): Promise<Run<R>> {
  const settings = currentSettings();
  refuseRemoteEnvVars(options);
  const file = taskSourceFile(task);
  if (file === undefined) {
    throw new InvalidInputError(
      `flyte.run: cannot tell which file defines task ${taskId}, so it cannot be bundled for the server at ${settings.endpoint ?? ""}; define tasks at the top level of a module file`,
    );
  }
  const client = clientFor(settings.endpoint ?? "");
  return startRemoteRun<R>(client, {
    file,
    taskId,
    args,
    name: options.name,
    project: options.project,
    domain: options.domain,
    labels: options.labels,
    overwriteCache: options.overwriteCache,
  });
}

function checkEnvLabels(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const labels = checkPlainObject(value, 'withRunContext: option "labels"');
  for (const [key, val] of Object.entries(labels)) {
    if (typeof val !== "string") {
      throw new InvalidOptionError(`withRunContext: label ${JSON.stringify(key)} must be a string, got ${typeof val}`);
    }
  }
  return { ...(labels as Record<string, string>) };
}
