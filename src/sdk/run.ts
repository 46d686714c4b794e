// Starting runs and the Run handle. flyte.run() starts a run in the local engine and returns at once; the
// handle waits for, inspects and aborts it. resume() continues a run whose process stopped.
import path from "node:path";
import { ActionAbortedError, InvalidInputError, InvalidOptionError } from "../errors/index.js";
import { storedRunError, type RunExecution, type RunOutcome, type LocalEngine } from "../engine/index.js";
import { decodeValue } from "../io/index.js";
import type { ActionPhase, ActionRecord, LogRecord } from "../store/index.js";
import { currentSettings, localEngine } from "./config.js";
import { checkKnownKeys, checkPlainObject } from "./option-checks.js";
import { checkEnvVars } from "./option-values.js";
import { registeredTask, taskTemplateOf, type Task } from "./task.js";

export interface RunContextOptions {
  /** Only "local" in this version. */
  mode?: "local";
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

/** A run: started by flyte.run(), resumed by flyte.resume(). */
export class Run<R = unknown> {
  readonly name: string;
  readonly url: string;
  #phase: ActionPhase = "running";
  readonly #execution: RunExecution;
  readonly #engine: LocalEngine;

  constructor(execution: RunExecution, engine: LocalEngine, dir: string) {
    this.name = execution.name;
    this.url = `file://${dir}#run=${execution.name}`;
    this.#execution = execution;
    this.#engine = engine;
    execution.done.then(
      (outcome) => {
        this.#phase = outcome.phase;
      },
      () => {
        this.#phase = "failed";
      },
    );
  }

  /** The last known phase ("running" until the run ends). */
  get phase(): ActionPhase {
    return this.#phase;
  }

  /** Resolves with the final phase. `signal` stops waiting (the run goes on). */
  async wait(options: { signal?: AbortSignal } = {}): Promise<ActionPhase> {
    const { signal } = options;
    if (!signal) return (await this.#execution.done).phase;
    signal.throwIfAborted();
    return await new Promise<ActionPhase>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#execution.done.then(
        (outcome) => {
          signal.removeEventListener("abort", onAbort);
          resolve(outcome.phase);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error as Error);
        },
      );
    });
  }

  /** The root task's output; rejects with the run's error (same class, code and message) when it failed. */
  async outputs(): Promise<R> {
    const outcome: RunOutcome = await this.#execution.done;
    if (outcome.phase === "succeeded" && outcome.outputs !== null) return decodeValue(outcome.outputs) as R;
    if (outcome.error) throw outcome.error;
    const record = await this.#engine.store.getRun(this.name);
    throw (record && storedRunError(record)) ?? new ActionAbortedError(`run ${this.name} ended in phase ${outcome.phase}`);
  }

  /** Aborts the run: every running action's signal fires and the run ends as "aborted". */
  async abort(reason = "aborted by the user"): Promise<void> {
    this.#execution.abort(reason);
    await this.#execution.done.catch(() => undefined);
  }

  /** Captured console output of the run's actions. */
  async logs(actionName?: string): Promise<LogRecord[]> {
    await this.#engine.resources.batcher.flush();
    return this.#engine.store.getLogs(this.name, actionName);
  }

  /** All actions of the run, in creation order. */
  async actions(): Promise<ActionRecord[]> {
    return this.#engine.store.listActions(this.name);
  }

  /** Yields each action whenever it is new or its phase changed, until the run ends. */
  async *watch(options: { intervalMs?: number } = {}): AsyncGenerator<ActionRecord> {
    const seen = new Map<string, string>();
    let finished = false;
    void this.#execution.done.finally(() => {
      finished = true;
    });
    for (;;) {
      const last = finished;
      for (const action of await this.actions()) {
        const state = `${action.phase}:${action.attempt}`;
        if (seen.get(action.name) === state) continue;
        seen.set(action.name, state);
        yield action;
      }
      if (last) return;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    }
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
  if (options.mode !== undefined && options.mode !== "local") {
    throw new InvalidOptionError(
      `withRunContext: option "mode" is ${JSON.stringify(options.mode)}; only "local" is available in this version`,
    );
  }
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
      const engine = localEngine(dir);
      return new Run<Awaited<R>>(engine.start(template, args, runOptions), engine, path.resolve(dir));
    },
    async resume<R = unknown>(runName: string): Promise<Run<R>> {
      const engine = localEngine(dir);
      return new Run<R>(await engine.resume(runName, registeredTask, runOptions), engine, path.resolve(dir));
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
