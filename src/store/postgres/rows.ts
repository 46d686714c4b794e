// Column lists of the PostgreSQL RunStore's SELECTs. Aliases are quoted (PostgreSQL folds unquoted names to
// lower case) so rows come back with the record's field names and the same row→record mapping as SQLite
// applies: the JSON columns are text in both, so one mapping keeps both stores' records identical.
export {
  errorText,
  labelsText,
  toActionRecord,
  toAttemptRecord,
  toRunRecord,
  type ActionRow,
  type AttemptRow,
  type CacheRow,
  type LogRow,
  type ReportRow,
  type RunRow,
} from "../sqlite/rows.js";

export const RUN_COLUMNS =
  'name, project, domain, task_name AS "taskName", phase, inputs, outputs, error, labels, ' +
  'created_at AS "createdAt", ended_at AS "endedAt", abort_requested AS "abortRequested"';

export const ACTION_COLUMNS =
  'run_name AS "runName", name, parent_name AS "parentName", type, task_name AS "taskName", group_name AS "group", ' +
  'seq, phase, attempt, inputs, outputs, error, cache_key AS "cacheKey", cache_status AS "cacheStatus", ' +
  'created_at AS "createdAt", started_at AS "startedAt", ended_at AS "endedAt"';

export const ATTEMPT_COLUMNS =
  'run_name AS "runName", action_name AS "actionName", attempt, phase, started_at AS "startedAt", ' +
  'ended_at AS "endedAt", error';

export const CACHE_COLUMNS =
  'key, task_name AS "taskName", outputs, created_at AS "createdAt", run_name AS "runName", action_name AS "actionName"';

export const LOG_COLUMNS = 'run_name AS "runName", action_name AS "actionName", attempt, stream, ts, text';

export const REPORT_COLUMNS =
  'run_name AS "runName", action_name AS "actionName", attempt, html, updated_at AS "updatedAt"';

/**
 * PostgreSQL text cannot hold U+0000, which process output may contain; storing U+FFFD instead keeps the line
 * (and the rest of its batch, state transitions included) instead of failing the whole write.
 */
export function storableText(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}
