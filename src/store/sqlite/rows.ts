// Row shapes of the SQLite RunStore and their mapping to records. SELECTs alias columns to the record's
// field names so mapping is a copy plus JSON.parse of the JSON columns, and only when they are non-null:
// reads of 100k-action runs stay cheap.
import type { ErrorRecord } from "../../errors/index.js";
import type {
  ActionPhase,
  ActionRecord,
  ActionType,
  AttemptRecord,
  CacheEntry,
  CacheStatus,
  LogRecord,
  ReportRecord,
  RunRecord,
} from "../types.js";

export const RUN_COLUMNS =
  "name, project, domain, task_name AS taskName, phase, inputs, outputs, error, labels, " +
  "created_at AS createdAt, ended_at AS endedAt, abort_requested AS abortRequested";

export const ACTION_COLUMNS =
  'run_name AS runName, name, parent_name AS parentName, type, task_name AS taskName, group_name AS "group", ' +
  "seq, phase, attempt, inputs, outputs, error, cache_key AS cacheKey, cache_status AS cacheStatus, " +
  "created_at AS createdAt, started_at AS startedAt, ended_at AS endedAt";

export const ATTEMPT_COLUMNS =
  "run_name AS runName, action_name AS actionName, attempt, phase, started_at AS startedAt, " +
  "ended_at AS endedAt, error";

export const CACHE_COLUMNS =
  "key, task_name AS taskName, outputs, created_at AS createdAt, run_name AS runName, action_name AS actionName";

export const LOG_COLUMNS = "run_name AS runName, action_name AS actionName, attempt, stream, ts, text";

export const REPORT_COLUMNS = "run_name AS runName, action_name AS actionName, attempt, html, updated_at AS updatedAt";

export interface RunRow {
  name: string;
  project: string;
  domain: string;
  taskName: string;
  phase: ActionPhase;
  inputs: string;
  outputs: string | null;
  error: string | null;
  labels: string;
  createdAt: number;
  endedAt: number | null;
  abortRequested: string | null;
}

export interface ActionRow {
  runName: string;
  name: string;
  parentName: string | null;
  type: ActionType;
  taskName: string;
  group: string | null;
  seq: number;
  phase: ActionPhase;
  attempt: number;
  inputs: string;
  outputs: string | null;
  error: string | null;
  cacheKey: string | null;
  cacheStatus: CacheStatus;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface AttemptRow {
  runName: string;
  actionName: string;
  attempt: number;
  phase: ActionPhase;
  startedAt: number;
  endedAt: number;
  error: string | null;
}

/** Rows whose columns already match the record: only the type differs. */
export type CacheRow = CacheEntry;
export type LogRow = LogRecord;
export type ReportRow = ReportRecord;

/** Stored form of an optional ErrorRecord column. */
export function errorText(error: ErrorRecord | null): string | null {
  return error === null ? null : JSON.stringify(error);
}

function parseError(text: string | null): ErrorRecord | null {
  return text === null ? null : (JSON.parse(text) as ErrorRecord);
}

const EMPTY_LABELS = "{}";

export function labelsText(labels: Record<string, string>): string {
  return JSON.stringify(labels);
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    name: row.name,
    project: row.project,
    domain: row.domain,
    taskName: row.taskName,
    phase: row.phase,
    inputs: row.inputs,
    outputs: row.outputs,
    error: parseError(row.error),
    labels: row.labels === EMPTY_LABELS ? {} : (JSON.parse(row.labels) as Record<string, string>),
    createdAt: row.createdAt,
    endedAt: row.endedAt,
    abortRequested: row.abortRequested,
  };
}

export function toActionRecord(row: ActionRow): ActionRecord {
  return {
    runName: row.runName,
    name: row.name,
    parentName: row.parentName,
    type: row.type,
    taskName: row.taskName,
    group: row.group,
    seq: row.seq,
    phase: row.phase,
    attempt: row.attempt,
    inputs: row.inputs,
    outputs: row.outputs,
    error: parseError(row.error),
    cacheKey: row.cacheKey,
    cacheStatus: row.cacheStatus,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
  };
}

export function toAttemptRecord(row: AttemptRow): AttemptRecord {
  return {
    runName: row.runName,
    actionName: row.actionName,
    attempt: row.attempt,
    phase: row.phase,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    error: parseError(row.error),
  };
}
