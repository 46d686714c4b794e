// The RunStore seam: everything the engine persists about runs, actions, attempts, cache, logs and reports.
// Writes arrive as batches of small operations applied atomically (one transaction per batch) so that an
// implementation can group-commit; reads are plain queries. Values (inputs/outputs) are already-encoded strings.
import type { ErrorRecord } from "../errors/index.js";

/** Phases of an action (and of a run, which mirrors its root action `a0`). Terminal: the last four. */
export type ActionPhase =
  | "queued"
  | "waiting_for_resources"
  | "initializing"
  | "running"
  | "succeeded"
  | "failed"
  | "aborted"
  | "timed_out";

/** Every phase, in the order an attempt moves through them (then the terminal ones). */
export const ACTION_PHASES: readonly ActionPhase[] = [
  "queued",
  "waiting_for_resources",
  "initializing",
  "running",
  "succeeded",
  "failed",
  "aborted",
  "timed_out",
];

export const TERMINAL_PHASES: ReadonlySet<ActionPhase> = new Set(["succeeded", "failed", "aborted", "timed_out"]);

export type ActionType = "task" | "trace";

/** disabled: the task does not cache; miss: looked up, not found, executed; hit: output taken from the cache. */
export type CacheStatus = "disabled" | "miss" | "hit";

export interface RunRecord {
  name: string;
  project: string;
  domain: string;
  /** Identity of the root task, `envName.taskName`. */
  taskName: string;
  phase: ActionPhase;
  /** Encoded arguments of the root task (the codec's canonical JSON of the argument array). */
  inputs: string;
  outputs: string | null;
  error: ErrorRecord | null;
  labels: Record<string, string>;
  createdAt: number;
  endedAt: number | null;
  /** Set when an abort was requested (possibly by another process); the engine polls it. */
  abortRequested: string | null;
}

export interface ActionRecord {
  runName: string;
  /** Deterministic name; the root action is `a0`. */
  name: string;
  parentName: string | null;
  type: ActionType;
  /** Identity of the task (`envName.taskName`) or, for traces, the traced function's name. */
  taskName: string;
  group: string | null;
  /** Call sequence number within the parent (0 for the root). */
  seq: number;
  phase: ActionPhase;
  /** Number of the current (or last) attempt, starting at 1. */
  attempt: number;
  inputs: string;
  outputs: string | null;
  error: ErrorRecord | null;
  cacheKey: string | null;
  cacheStatus: CacheStatus;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** The outcome of one finished attempt of an action. */
export interface AttemptRecord {
  runName: string;
  actionName: string;
  attempt: number;
  phase: ActionPhase;
  startedAt: number;
  endedAt: number;
  error: ErrorRecord | null;
}

export interface CacheEntry {
  key: string;
  taskName: string;
  outputs: string;
  createdAt: number;
  runName: string;
  actionName: string;
}

export type LogStream = "stdout" | "stderr";

export interface LogRecord {
  runName: string;
  actionName: string;
  attempt: number;
  stream: LogStream;
  ts: number;
  text: string;
}

export interface ReportRecord {
  runName: string;
  actionName: string;
  attempt: number;
  html: string;
  updatedAt: number;
}

/** A change to an action's state. Fields left undefined keep their stored value. */
export interface ActionTransition {
  runName: string;
  name: string;
  phase: ActionPhase;
  attempt: number;
  startedAt?: number;
  endedAt?: number | null;
  outputs?: string | null;
  error?: ErrorRecord | null;
  cacheStatus?: CacheStatus;
}

export interface RunTransition {
  name: string;
  phase: ActionPhase;
  endedAt?: number | null;
  outputs?: string | null;
  error?: ErrorRecord | null;
}

/** One write of a batch. `action.insert` replaces an existing row with the same (runName, name). */
export type WriteOp =
  | { op: "run.insert"; run: RunRecord }
  | { op: "run.transition"; transition: RunTransition }
  | { op: "run.requestAbort"; name: string; reason: string }
  | { op: "action.insert"; action: ActionRecord }
  | { op: "action.transition"; transition: ActionTransition }
  | { op: "attempt.insert"; attempt: AttemptRecord }
  | { op: "cache.put"; entry: CacheEntry }
  | { op: "cache.delete"; key: string }
  | { op: "log.append"; record: LogRecord }
  | { op: "report.put"; report: ReportRecord };

/** `record` after `transition`, as the stores apply it: a field the transition leaves undefined keeps its value. */
export function withTransition<R extends object>(record: R, transition: Partial<R>): R {
  const next = { ...record };
  for (const [key, value] of Object.entries(transition)) if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  return next;
}

/** The run an op belongs to; undefined for a cache deletion (entries outlive their runs). */
export function runNameOf(op: WriteOp): string | undefined {
  switch (op.op) {
    case "run.insert":
      return op.run.name;
    case "run.transition":
      return op.transition.name;
    case "run.requestAbort":
      return op.name;
    case "action.insert":
      return op.action.runName;
    case "action.transition":
      return op.transition.runName;
    case "attempt.insert":
      return op.attempt.runName;
    case "cache.put":
      return op.entry.runName;
    case "log.append":
      return op.record.runName;
    case "report.put":
      return op.report.runName;
    case "cache.delete":
      return undefined;
  }
}

export interface ListRunsQuery {
  limit?: number;
  offset?: number;
  phase?: ActionPhase;
  /** Only runs of this project / domain / root task id. */
  project?: string;
  domain?: string;
  taskName?: string;
}

/** One deployed version of a task (`flyte deploy`): which code bundle defines it and what it takes. */
export interface TaskVersionRecord {
  project: string;
  domain: string;
  /** `envName.taskName`. */
  taskId: string;
  /** Content hash of the deploy (bundle + settings); the same code deployed again gets the same version. */
  version: string;
  envName: string;
  /** sha256 of the code bundle that defines the task. */
  code: string;
  /** The task's interface and settings as JSON text; opaque to the store. */
  definition: string;
  /** When this version was first registered. */
  createdAt: number;
  /** When it was last deployed: the latest version of a task is the one deployed most recently. */
  deployedAt: number;
}

/** What registering a batch of task versions did, by task id. */
export interface TaskRegistration {
  /** Versions that did not exist before. */
  created: string[];
  /** Versions that existed with the same code: only their deployedAt moved. */
  redeployed: string[];
}

export interface ListTaskVersionsQuery {
  project: string;
  domain: string;
  /** All versions of this task, newest deployment first; without it, the latest version of every task, by id. */
  taskId?: string;
  limit?: number;
  offset?: number;
}

/**
 * "durable" (the default): on disk before write() resolves. "visible": committed and readable by everyone when
 * write() resolves, flushed to disk shortly after — and at the latest by the next durable write, since a
 * database's log reaches the disk in order. SQLite in WAL mode with synchronous=NORMAL treats both alike.
 */
export type WriteDurability = "durable" | "visible";

/**
 * Durable state of runs. Implementations: SQLite (local mode) and, later, PostgreSQL. All of them pass the
 * conformance suite in `test/store-conformance.ts`.
 */
export interface RunStore {
  /**
   * Applies all ops in order inside one transaction: either all are stored or none. The batch is visible to every
   * reader when this resolves; with `durability: "visible"` it may reach the disk a moment later (a crash of the
   * database host, not of its clients, can lose it), which the engine asks only for ops whose loss makes work run
   * again rather than lose a result: see {@link WriteDurability}.
   */
  write(ops: readonly WriteOp[], durability?: WriteDurability): Promise<void>;

  getRun(name: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(query?: ListRunsQuery): Promise<RunRecord[]>;

  getAction(runName: string, name: string): Promise<ActionRecord | undefined>;
  /** All actions of a run, in creation order. */
  listActions(runName: string): Promise<ActionRecord[]>;
  /** Direct children of one action, in creation order. */
  listChildren(runName: string, parentName: string): Promise<ActionRecord[]>;
  /** Attempts of one action (or of the whole run), ordered by action then attempt number. */
  listAttempts(runName: string, actionName?: string): Promise<AttemptRecord[]>;

  /** The entries that exist among `keys`. */
  getCacheEntries(keys: readonly string[]): Promise<Map<string, CacheEntry>>;
  /**
   * Takes the reservation for `key` when it is free, expired, or already held by `owner` (which refreshes it).
   * Returns whether `owner` now holds it. Applied immediately, not batched.
   */
  reserveCache(key: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  releaseCache(key: string, owner: string): Promise<void>;

  /** Log lines of a run, optionally of one action and attempt, in write order. */
  getLogs(runName: string, actionName?: string, attempt?: number): Promise<LogRecord[]>;
  /** The latest report of an action (highest attempt). */
  getReport(runName: string, actionName: string): Promise<ReportRecord | undefined>;

  /**
   * Registers deployed task versions in one transaction. A (project, domain, taskId, version) that exists with
   * the same code is kept and its deployedAt set to the new record's; one that exists with other code rejects
   * the whole call with a TaskVersionConflictError and stores nothing.
   */
  registerTaskVersions(records: readonly TaskVersionRecord[]): Promise<TaskRegistration>;
  /** One version of a task, or its latest (newest deployedAt) when `version` is undefined. */
  getTaskVersion(project: string, domain: string, taskId: string, version?: string): Promise<TaskVersionRecord | undefined>;
  listTaskVersions(query: ListTaskVersionsQuery): Promise<TaskVersionRecord[]>;

  /**
   * Makes the caller the one server of this store until close(). Rejects with StoreInUseError, naming the holder,
   * while another server holds it (in another process, or through another store object in this one). The claim
   * also ends with its process, however that ends (the OS or the database drops it), so a killed server's
   * restart takes it back. `holder` describes the caller to whoever is refused; `log` is told when a claim that
   * can be lost while held (a database's session) is lost, taken by another server meanwhile, or taken back.
   */
  claimServer(holder: string, log?: (line: string) => void): Promise<void>;

  close(): Promise<void>;
}
