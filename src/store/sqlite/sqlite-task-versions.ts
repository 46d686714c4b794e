// The task registry of the SQLite RunStore: deployed task versions, keyed by (project, domain, task_id, version).
// Registering a batch is one IMMEDIATE transaction (look up each key, then insert or move deployed_at), so a
// conflicting record throws before commit and nothing of the batch is stored. Every statement is prepared once.
import type Database from "better-sqlite3";
import { mergeTaskVersions, taskVersionConflict, taskVersionPage } from "../task-version-batch.js";
import type { ListTaskVersionsQuery, TaskRegistration, TaskVersionRecord } from "../types.js";

/** Columns of `alias` under the record's field names, so a row is the record itself. */
const columns = (alias: string): string =>
  `${alias}.project, ${alias}.domain, ${alias}.task_id AS taskId, ${alias}.version, ${alias}.env_name AS envName, ` +
  `${alias}.code, ${alias}.definition, ${alias}.created_at AS createdAt, ${alias}.deployed_at AS deployedAt`;

/** Newest deployment first; ties (same millisecond) by newest creation, then by version text. Matches the index. */
const LATEST_FIRST = (alias: string): string =>
  `${alias}.deployed_at DESC, ${alias}.created_at DESC, ${alias}.version DESC`;

const KEY = "project = ? AND domain = ? AND task_id = ?";

type Key = [project: string, domain: string, taskId: string];

export class SqliteTaskVersions {
  readonly #stmt;
  readonly #register: (records: readonly TaskVersionRecord[]) => TaskRegistration;

  constructor(db: Database.Database) {
    this.#stmt = {
      code: db.prepare<[...Key, string], { code: string }>(
        `SELECT code FROM task_versions WHERE ${KEY} AND version = ?`,
      ),
      insert: db.prepare<[string, string, string, string, string, string, string, number, number]>(
        `INSERT INTO task_versions (project, domain, task_id, version, env_name, code, definition, created_at,
           deployed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      redeploy: db.prepare<[number, ...Key, string]>(
        `UPDATE task_versions SET deployed_at = ? WHERE ${KEY} AND version = ?`,
      ),
      get: db.prepare<[...Key, string], TaskVersionRecord>(
        `SELECT ${columns("v")} FROM task_versions AS v WHERE ${KEY} AND version = ?`,
      ),
      latest: db.prepare<Key, TaskVersionRecord>(
        `SELECT ${columns("v")} FROM task_versions AS v WHERE ${KEY} ORDER BY ${LATEST_FIRST("v")} LIMIT 1`,
      ),
      versions: db.prepare<[...Key, number, number], TaskVersionRecord>(
        `SELECT ${columns("v")} FROM task_versions AS v WHERE ${KEY} ORDER BY ${LATEST_FIRST("v")} LIMIT ? OFFSET ?`,
      ),
      // A page of task ids first (from the primary key, in id order), then each one's latest version by a probe
      // of task_versions_latest: the cost follows the page, not the number of versions in the scope.
      latestPerTask: db.prepare<[{ project: string; domain: string; limit: number; offset: number }], TaskVersionRecord>(
        `SELECT ${columns("v")}
         FROM (SELECT DISTINCT task_id FROM task_versions WHERE project = @project AND domain = @domain
               ORDER BY task_id LIMIT @limit OFFSET @offset) AS t
         JOIN task_versions AS v ON v.project = @project AND v.domain = @domain AND v.task_id = t.task_id
           AND v.version = (SELECT l.version FROM task_versions AS l
                            WHERE l.project = @project AND l.domain = @domain AND l.task_id = t.task_id
                            ORDER BY ${LATEST_FIRST("l")} LIMIT 1)
         ORDER BY t.task_id`,
      ),
    };
    const apply = db.transaction((records: readonly TaskVersionRecord[]): TaskRegistration => {
      const done: TaskRegistration = { created: [], redeployed: [] };
      for (const r of records) {
        const existing = this.#stmt.code.get(r.project, r.domain, r.taskId, r.version);
        if (existing === undefined) {
          this.#stmt.insert.run(
            r.project,
            r.domain,
            r.taskId,
            r.version,
            r.envName,
            r.code,
            r.definition,
            r.createdAt,
            r.deployedAt,
          );
          done.created.push(r.taskId);
        } else if (existing.code === r.code) {
          this.#stmt.redeploy.run(r.deployedAt, r.project, r.domain, r.taskId, r.version);
          done.redeployed.push(r.taskId);
        } else {
          // Thrown inside the transaction: better-sqlite3 rolls back every record registered before this one.
          throw taskVersionConflict(r, existing.code);
        }
      }
      return done;
    });
    // IMMEDIATE: the lookups and writes must see no other writer in between (two processes deploying at once).
    this.#register = (records) => apply.immediate(records);
  }

  register(records: readonly TaskVersionRecord[]): TaskRegistration {
    const merged = mergeTaskVersions(records);
    if (merged.length === 0) return { created: [], redeployed: [] };
    return this.#register(merged);
  }

  get(project: string, domain: string, taskId: string, version?: string): TaskVersionRecord | undefined {
    return version === undefined
      ? this.#stmt.latest.get(project, domain, taskId)
      : this.#stmt.get.get(project, domain, taskId, version);
  }

  list(query: ListTaskVersionsQuery): TaskVersionRecord[] {
    const { limit, offset } = taskVersionPage(query);
    const { project, domain, taskId } = query;
    return taskId === undefined
      ? this.#stmt.latestPerTask.all({ project, domain, limit, offset })
      : this.#stmt.versions.all(project, domain, taskId, limit, offset);
  }
}
