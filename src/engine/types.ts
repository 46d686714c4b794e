// What the engine needs to know about a task, and the Controller seam between the authoring API and execution.
// The SDK builds TaskTemplates; the engine never imports the SDK (dependencies point sdk → engine).
import type { ActionNode } from "./action-node.js";
import type { RunState } from "./run-state.js";

export interface RetryPolicy {
  readonly count: number;
  /** Delay before the next attempt after `failedAttempt` (1-based) failed. */
  delayMs(failedAttempt: number): number;
}

export interface TimeoutPolicy {
  readonly maxRuntimeMs: number | null;
  readonly maxQueuedMs: number | null;
}

export interface CacheSpec {
  readonly behavior: "auto" | "override" | "disable";
  readonly versionOverride?: string | undefined;
  readonly ignoredInputs?: readonly string[] | undefined;
  readonly serialize?: boolean | undefined;
  readonly salt?: string | undefined;
}

/** Everything the engine needs to run one task. Immutable once built. */
export interface TaskTemplate {
  /** `envName.taskName`: the identity used in action names, cache keys and the task registry. */
  readonly id: string;
  readonly name: string;
  readonly envName: string;
  readonly fn: (...args: any[]) => unknown;
  /** Parameter names, when known (used for `ignoredInputs` and ctx().inputs). */
  readonly inputNames: readonly string[];
  readonly retries: RetryPolicy;
  readonly timeout: TimeoutPolicy;
  readonly cache: CacheSpec;
  readonly report: boolean;
  /** Hash of the task's code: the cache version for `cache: "auto"`. */
  readonly codeHash: string;
  /** Hash of the task's interface (input names and types); part of every cache key. */
  readonly interfaceHash: string;
  /** Where and with what the task runs when an executor runs it in a worker process. */
  readonly placement: TaskPlacement;
  /** Set for a deployed task looked up by name (remote.Task.get): the server resolves its code when it is called. */
  readonly reference?: TaskReference | undefined;
}

/** Which deployed version of a task a reference means; unset fields default to the calling run's project and domain, and the latest version. */
export interface TaskReference {
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  readonly version?: string | undefined;
}

/** The worker-facing settings of a task, taken from its TaskEnvironment and its own options. */
export interface TaskPlacement {
  /** The reuse policy of the task's environment; null runs it in the shared default pool. */
  readonly reusable: ReuseSpec | null;
  /** Declared CPU request in cores and memory request/limit in bytes; 0 / null when undeclared. */
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number | null;
  /** Environment variables of the task's process. */
  readonly envVars: Readonly<Record<string, string>>;
  /** Secrets the task's process gets as environment variables and files (resolved by the executor, never recorded). */
  readonly secrets: readonly SecretSpec[];
}

export interface SecretSpec {
  readonly key: string;
  readonly group?: string | undefined;
  readonly asEnvVar: string;
  /** An absolute path where the value is also written as a file (0600) while the task's workers (or run) live. */
  readonly mountPath?: string | undefined;
}

export interface ReuseSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly concurrency: number;
  readonly idleTtlMs: number;
}

/** The ambient state of the action whose code is running (held in an AsyncLocalStorage). */
export interface ActionFrame {
  readonly run: RunState;
  readonly node: ActionNode;
  readonly task: TaskTemplate;
  /** The action's decoded arguments. */
  readonly args: readonly unknown[];
  /** The `flyte.group` the code is currently inside, if any. */
  readonly group: string | null;
}

/** One attempt of an action, handed to an executor that runs it outside this process. */
export interface AttemptRequest {
  readonly run: RunState;
  readonly node: ActionNode;
  readonly task: TaskTemplate;
  /** The action's encoded inputs. */
  readonly inputs: string;
  /**
   * The caller may have a successful output before the engine has recorded it (write-behind, see
   * WriteBatcher.progress): an executor whose worker also runs the caller may hand it over there directly.
   */
  readonly answerEarly?: boolean | undefined;
}

/** A running attempt: its encoded output (or error), and how to stop it early. */
export interface AttemptHandle {
  readonly result: Promise<string>;
  /**
   * The attempt was stopped (abort, timeout): tell its worker, and kill it if it ignores the signal. When the
   * worker may already have handed the attempt's output to its caller (RunMessage.answers), returns whether it
   * did: true means the result resolves with that output, which then stands; false, that it never will.
   */
  stop(error: Error): Promise<boolean> | void;
}

/** Runs attempts of some tasks outside this process (worker processes); the rest run inline. */
export interface Executor {
  runs(task: TaskTemplate): boolean;
  execute(request: AttemptRequest): AttemptHandle;
  /** Stops the workers; attempts still running fail as lost. */
  close(): Promise<void>;
}

/**
 * Executes what task code asks for inside a run. The local controller runs children in this process;
 * a remote controller (inside a worker) will submit them to the control plane. Both record every action.
 */
export interface Controller {
  /** Runs `task` as a child action of the frame's action and resolves with its output (a decoded copy). */
  submit(frame: ActionFrame, task: TaskTemplate, args: readonly unknown[]): Promise<unknown>;
  /** Runs a traced function as a TRACE action, or returns its recorded output when the action already exists. */
  trace(frame: ActionFrame, name: string, fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown>;
  /** Stores the current HTML report of the frame's action. */
  saveReport(frame: ActionFrame, html: string): Promise<void>;
}
