// The task registry of the PostgreSQL RunStore: deployed task versions, keyed by (project, domain, task_id, version).
// Registering a batch is one autocommit statement (atomic by itself): an upsert that moves deployed_at only where the
// stored code equals the new one, and an in-SQL check that raises when any record was refused, which undoes the
// whole statement. Replicas deploying at once serialise on the key: one inserts, the other waits and redeploys.
import { mergeTaskVersions, taskVersionConflict, taskVersionKey, taskVersionPage } from "../task-version-batch.js";
import type { ListTaskVersionsQuery, TaskRegistration, TaskVersionRecord } from "../types.js";

/** A bound value: scalars, or arrays expanded by unnest() and typed by the casts in the statement text. */
export type PgParam = string | number | null | readonly string[] | readonly number[];
/** Runs one prepared statement and returns its rows as plain objects. */
export type PgQuery = <R>(text: string, params: PgParam[]) => Promise<R[]>;

const COLUMNS =
  'project, domain, task_id AS "taskId", version, env_name AS "envName", code, definition, ' +
  'created_at AS "createdAt", deployed_at AS "deployedAt"';

/** Newest deployment first; ties by newest creation, then version (bytewise, see V3). Matches the index. */
const LATEST_FIRST = "deployed_at DESC, created_at DESC, version DESC";

/** SQLSTATE that flyte_assert_rows (migration V2) raises. */
const NO_DATA_FOUND = "P0002";

const Q = {
  // RETURNING sees only rows inserted or redeployed; a key whose code differs is skipped by the DO UPDATE's WHERE,
  // so fewer rows than records means a conflict, and flyte_assert_rows turns that into an error. `xmax = 0` marks a
  // row this statement inserted: the version an ON CONFLICT update writes carries the updater's xid in xmax.
  // The assert sits on the outer side of a LEFT JOIN, so it runs even when no row came back.
  register: `WITH upserted AS (
      INSERT INTO task_versions (project, domain, task_id, version, env_name, code, definition, created_at, deployed_at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::int8[], $9::int8[])
      ON CONFLICT (project, domain, task_id, version) DO UPDATE SET deployed_at = EXCLUDED.deployed_at
        WHERE task_versions.code = EXCLUDED.code
      RETURNING project, domain, task_id, version, xmax = 0 AS created)
    SELECT u.project, u.domain, u.task_id AS "taskId", u.version, u.created
    FROM (SELECT flyte_assert_rows($10::int4, (SELECT count(*) FROM upserted),
            'a task version is registered already with other code') AS ok) AS checked
    LEFT JOIN upserted AS u ON true`,
  // After a refused batch: what is stored under its keys, to name the first conflict.
  storedCodes: `SELECT project, domain, task_id AS "taskId", version, code FROM task_versions
    WHERE (project, domain, task_id, version) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))`,
  get: `SELECT ${COLUMNS} FROM task_versions WHERE project = $1 AND domain = $2 AND task_id = $3 AND version = $4`,
  latest: `SELECT ${COLUMNS} FROM task_versions WHERE project = $1 AND domain = $2 AND task_id = $3
    ORDER BY ${LATEST_FIRST} LIMIT 1`,
  versions: `SELECT ${COLUMNS} FROM task_versions WHERE project = $1 AND domain = $2 AND task_id = $3
    ORDER BY ${LATEST_FIRST} LIMIT $4 OFFSET $5`,
  // A page of task ids (from the primary key, in id order), then each one's latest version by one probe of
  // task_versions_latest: the cost follows the page, not the number of versions in the scope.
  latestPerTask: `SELECT v.* FROM (SELECT DISTINCT task_id FROM task_versions WHERE project = $1 AND domain = $2
      ORDER BY task_id LIMIT $3 OFFSET $4) AS t
    CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM task_versions AS l
      WHERE l.project = $1 AND l.domain = $2 AND l.task_id = t.task_id ORDER BY ${LATEST_FIRST} LIMIT 1) AS v
    ORDER BY t.task_id`,
} as const;

type KeyRow = Pick<TaskVersionRecord, "project" | "domain" | "taskId" | "version">;

export class PostgresTaskVersions {
  readonly #query: PgQuery;

  constructor(query: PgQuery) {
    this.#query = query;
  }

  async register(records: readonly TaskVersionRecord[]): Promise<TaskRegistration> {
    const merged = mergeTaskVersions(records);
    const done: TaskRegistration = { created: [], redeployed: [] };
    if (merged.length === 0) return done;
    const column = <T>(pick: (r: TaskVersionRecord) => T): T[] => merged.map(pick);
    const keys = [column((r) => r.project), column((r) => r.domain), column((r) => r.taskId), column((r) => r.version)];
    let rows: (KeyRow & { created: boolean })[];
    try {
      rows = await this.#query(Q.register, [
        ...keys,
        column((r) => r.envName),
        column((r) => r.code),
        column((r) => r.definition),
        column((r) => r.createdAt),
        column((r) => r.deployedAt),
        merged.length,
      ]);
    } catch (error) {
      if ((error as { code?: unknown }).code !== NO_DATA_FOUND) throw error;
      throw await this.#conflict(merged, keys, error);
    }
    const created = new Map(rows.map((row) => [taskVersionKey(row), row.created]));
    for (const record of merged) {
      (created.get(taskVersionKey(record)) === true ? done.created : done.redeployed).push(record.taskId);
    }
    return done;
  }

  async get(project: string, domain: string, taskId: string, version?: string): Promise<TaskVersionRecord | undefined> {
    const [row] =
      version === undefined
        ? await this.#query<TaskVersionRecord>(Q.latest, [project, domain, taskId])
        : await this.#query<TaskVersionRecord>(Q.get, [project, domain, taskId, version]);
    return row;
  }

  async list(query: ListTaskVersionsQuery): Promise<TaskVersionRecord[]> {
    const { limit, offset } = taskVersionPage(query);
    const { project, domain, taskId } = query;
    return taskId === undefined
      ? this.#query<TaskVersionRecord>(Q.latestPerTask, [project, domain, limit, offset])
      : this.#query<TaskVersionRecord>(Q.versions, [project, domain, taskId, limit, offset]);
  }

  /** The conflict error for the first record of a refused batch whose key is stored with other code. */
  async #conflict(merged: readonly TaskVersionRecord[], keys: string[][], refusal: unknown): Promise<Error> {
    const stored = await this.#query<KeyRow & { code: string }>(Q.storedCodes, keys);
    const codes = new Map(stored.map((row) => [taskVersionKey(row), row.code]));
    for (const record of merged) {
      const code = codes.get(taskVersionKey(record));
      if (code !== undefined && code !== record.code) return taskVersionConflict(record, code);
    }
    // Versions are never deleted, so a refused record's row is still there; this would be a store bug.
    return new Error("PostgreSQL refused a task version batch, but no stored version conflicts with it.", {
      cause: refusal,
    });
  }
}
