// Rules of registering task versions that do not depend on the database, shared by every RunStore: a batch is
// merged as if its records were applied one by one (so a repeated key is stored once), the conflict error says
// what clashed and how to fix it, and list queries are validated the same way everywhere.
import { TaskVersionConflictError } from "../errors/index.js";
import { checkCount } from "./list-queries.js";
import type { ListTaskVersionsQuery, TaskVersionRecord } from "./types.js";

/** Versions listed when the query names no limit: a page, not the whole registry. */
export const DEFAULT_TASK_VERSION_LIMIT = 100;

/** The identity of a task version; records with equal keys are one row. */
export function taskVersionKey(r: Pick<TaskVersionRecord, "project" | "domain" | "taskId" | "version">): string {
  return [r.project, r.domain, r.taskId, r.version].join("\u0000");
}

/** The error for registering `record` where its version exists with `existingCode`; nothing of the batch is kept. */
export function taskVersionConflict(record: TaskVersionRecord, existingCode: string): TaskVersionConflictError {
  return new TaskVersionConflictError(
    `Task ${record.taskId} version ${record.version} in ${record.project}/${record.domain} is registered already ` +
      `with code ${existingCode.slice(0, 12)}, and this deploy has code ${record.code.slice(0, 12)}; nothing of ` +
      "the deploy was registered. Versions are immutable: deploy without --version to get a content-hash " +
      "version, or pick a new version.",
  );
}

/**
 * The batch with one record per key, in first-seen order, equal to applying the records in order: the first
 * occurrence is what gets inserted, a later one with the same code only moves deployedAt, and a later one with
 * other code is a conflict (the batch clashes with itself). Databases need this: PostgreSQL's upsert may not
 * touch one row twice in a statement.
 */
export function mergeTaskVersions(records: readonly TaskVersionRecord[]): TaskVersionRecord[] {
  const merged = new Map<string, TaskVersionRecord>();
  for (const record of records) {
    const key = taskVersionKey(record);
    const first = merged.get(key);
    if (first === undefined) merged.set(key, record);
    else if (first.code !== record.code) throw taskVersionConflict(record, first.code);
    else merged.set(key, { ...first, deployedAt: record.deployedAt });
  }
  return [...merged.values()];
}

/** The limit and offset of `query`, validated like listRuns' ones. */
export function taskVersionPage(query: ListTaskVersionsQuery): { limit: number; offset: number } {
  return {
    limit: checkCount("listTaskVersions", "limit", query.limit, DEFAULT_TASK_VERSION_LIMIT),
    offset: checkCount("listTaskVersions", "offset", query.offset, 0),
  };
}
