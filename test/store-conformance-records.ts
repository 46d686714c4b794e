// Record builders shared by the RunStore conformance suite: each returns a complete, valid record that a test
// overrides field by field, so a test states only what it is about.
import type { ErrorRecord } from "../src/errors/index.js";
import type {
  ActionRecord,
  AttemptRecord,
  CacheEntry,
  LogRecord,
  ReportRecord,
  RunRecord,
  RunStore,
} from "../src/store/index.js";

export const RUN = "run-1";

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    name: RUN,
    project: "flytesnacks",
    domain: "development",
    taskName: "env.main",
    phase: "queued",
    inputs: "[1,2]",
    outputs: null,
    error: null,
    labels: {},
    createdAt: 1_000,
    endedAt: null,
    abortRequested: null,
    ...overrides,
  };
}

export function actionRecord(name: string, overrides: Partial<ActionRecord> = {}): ActionRecord {
  return {
    runName: RUN,
    name,
    parentName: name === "a0" ? null : "a0",
    type: "task",
    taskName: "env.child",
    group: null,
    seq: 0,
    phase: "queued",
    attempt: 1,
    inputs: "[]",
    outputs: null,
    error: null,
    cacheKey: null,
    cacheStatus: "disabled",
    createdAt: 1_000,
    startedAt: null,
    endedAt: null,
    ...overrides,
  };
}

export function attemptRecord(actionName: string, attempt: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    runName: RUN,
    actionName,
    attempt,
    phase: "failed",
    startedAt: 1_000 + attempt,
    endedAt: 2_000 + attempt,
    error: null,
    ...overrides,
  };
}

export function cacheEntry(key: string, overrides: Partial<CacheEntry> = {}): CacheEntry {
  return { key, taskName: "env.child", outputs: `"${key}"`, createdAt: 1_000, runName: RUN, actionName: "a1", ...overrides };
}

/** An error two causes deep, with every optional field present at some level and absent at another. */
export const NESTED_ERROR: ErrorRecord = {
  kind: "user",
  code: "USER_ERROR",
  name: "ValueError",
  message: "bad value: \"x\" ✗",
  stack: "ValueError: bad value\n    at task (main.ts:3:9)",
  attempt: 2,
  cause: {
    kind: "system",
    code: "WORKER_LOST",
    name: "WorkerLostError",
    message: "worker exited",
    cause: { kind: "user", code: "USER_ERROR", name: "Error", message: "root cause" },
  },
};

/** Names that do not sort in creation order, so an implementation ordering by name fails. */
export function scrambledName(i: number): string {
  return `c${((i * 2654435761) % 4294967296).toString(16).padStart(8, "0")}`;
}

export function logRecord(
  actionName: string,
  attempt: number,
  text: string,
  stream: LogRecord["stream"] = "stdout",
  ts = 1,
  runName = RUN,
): LogRecord {
  return { runName, actionName, attempt, stream, ts, text };
}

export function reportRecord(actionName: string, attempt: number, html: string, updatedAt = 1): ReportRecord {
  return { runName: RUN, actionName, attempt, html, updatedAt };
}

/** Holds the store of the current test; the suite opens a fresh one before each test. */
export interface StoreFixture {
  store: RunStore;
}
