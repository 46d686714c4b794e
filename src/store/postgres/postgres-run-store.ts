// RunStore on a postgres.js connection pool (server mode; several replicas may share one database). Each write
// batch is one transaction in one round trip (write-batch.ts); reads are single prepared statements; reserveCache
// is one atomic upsert, safe across processes. After close() every call rejects with a clear error.
import type {
  ActionRecord,
  AttemptRecord,
  CacheEntry,
  ListRunsQuery,
  ListTaskVersionsQuery,
  LogRecord,
  ReportRecord,
  RunRecord,
  RunStore,
  TaskRegistration,
  TaskVersionRecord,
  WriteDurability,
  WriteOp,
} from "../types.js";
import { checkCount, runFilter, whereClause } from "../list-queries.js";
import { PostgresTaskVersions, type PgParam } from "./postgres-task-versions.js";
import {
  ACTION_COLUMNS,
  ATTEMPT_COLUMNS,
  CACHE_COLUMNS,
  LOG_COLUMNS,
  REPORT_COLUMNS,
  RUN_COLUMNS,
  toActionRecord,
  toAttemptRecord,
  toRunRecord,
  type ActionRow,
  type AttemptRow,
  type CacheRow,
  type LogRow,
  type ReportRow,
  type RunRow,
} from "./rows.js";
import type { PgSql } from "./schema.js";
import { writeBatch } from "./write-batch.js";
import { claimPostgresStore, type OpenClaimSession, type PostgresClaim } from "./server-claim.js";

const Q = {
  getRun: `SELECT ${RUN_COLUMNS} FROM runs WHERE name = $1`,
  getAction: `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = $1 AND name = $2`,
  listActions: `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = $1 ORDER BY id`,
  listChildren: `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = $1 AND parent_name = $2 ORDER BY id`,
  listRunAttempts: `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_name = $1 ORDER BY action_name, attempt`,
  listActionAttempts: `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_name = $1 AND action_name = $2 ORDER BY attempt`,
  cacheEntries: `SELECT ${CACHE_COLUMNS} FROM cache_entries WHERE key = ANY($1::text[])`,
  // One statement, so concurrent callers serialise on the row: an INSERT that meets a row another transaction is
  // inserting waits for it, then takes the DO UPDATE path and its WHERE. A row comes back only when `owner` holds it.
  reserveCache: `INSERT INTO cache_reservations (key, owner, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE cache_reservations.owner = excluded.owner OR cache_reservations.expires_at <= $4
    RETURNING key`,
  releaseCache: "DELETE FROM cache_reservations WHERE key = $1 AND owner = $2",
  runLogs: `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = $1 ORDER BY id`,
  runAttemptLogs: `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = $1 AND attempt = $2 ORDER BY id`,
  actionLogs: `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = $1 AND action_name = $2 ORDER BY id`,
  attemptLogs: `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = $1 AND action_name = $2 AND attempt = $3 ORDER BY id`,
  getReport: `SELECT ${REPORT_COLUMNS} FROM reports WHERE run_name = $1 AND action_name = $2 ORDER BY attempt DESC LIMIT 1`,
} as const;

/** listRuns texts by the set of filters present (at most 16), each prepared by postgres.js on first use. */
const runLists = new Map<string, string>();

function listRunsText(key: string, columns: readonly string[]): string {
  let text = runLists.get(key);
  if (text === undefined) {
    const where = whereClause(columns, (i) => `$${i + 1}`);
    const n = columns.length;
    // A null LIMIT is PostgreSQL for "no limit".
    text = `SELECT ${RUN_COLUMNS} FROM runs ${where} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`;
    runLists.set(key, text);
  }
  return text;
}

export class PostgresRunStore implements RunStore {
  readonly #sql: PgSql;
  readonly #visibleSql: PgSql;
  readonly #claimSession: OpenClaimSession;
  readonly #label: string;
  readonly #schema: string;
  #closed = false;
  #claim: PostgresClaim | undefined;
  readonly #taskVersions = new PostgresTaskVersions((text, params) => this.#query(text, params));

  /**
   * Takes a pool whose schema is migrated and on its search_path; use openPostgresStore() to get one. `visibleSql`:
   * a small pool on the same database whose sessions set synchronous_commit off. `claimSession`: opens the
   * connection claimServer holds its lock on.
   */
  constructor(sql: PgSql, schema: string, label: string, visibleSql: PgSql, claimSession: OpenClaimSession) {
    this.#sql = sql;
    this.#visibleSql = visibleSql;
    this.#claimSession = claimSession;
    this.#schema = schema;
    this.#label = label;
  }

  /** The PostgreSQL schema holding this store's tables. */
  get schema(): string {
    return this.#schema;
  }

  /** The underlying pool, for PostgreSQL-specific tooling and tests; not part of the RunStore seam. */
  get sql(): PgSql {
    return this.#open();
  }

  /** The pool "visible" writes go through (synchronous_commit off), for tooling and tests. */
  get visibleSql(): PgSql {
    this.#open();
    return this.#visibleSql;
  }

  async write(ops: readonly WriteOp[], durability: WriteDurability = "durable"): Promise<void> {
    const sql = this.#open();
    if (ops.length === 0) return;
    // "visible" batches go through connections whose commits do not wait for the WAL flush (synchronous_commit
    // off): committed for every reader at once, on disk within wal_writer_delay or with the next durable commit.
    await writeBatch(durability === "visible" ? this.#visibleSql : sql, ops);
  }

  async getRun(name: string): Promise<RunRecord | undefined> {
    const [row] = await this.#query<RunRow>(Q.getRun, [name]);
    return row === undefined ? undefined : toRunRecord(row);
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const limit = checkCount("listRuns", "limit", query.limit, null);
    const offset = checkCount("listRuns", "offset", query.offset, 0);
    const filter = runFilter(query);
    const rows = await this.#query<RunRow>(listRunsText(filter.key, filter.columns), [...filter.values, limit, offset]);
    return rows.map(toRunRecord);
  }

  async getAction(runName: string, name: string): Promise<ActionRecord | undefined> {
    const [row] = await this.#query<ActionRow>(Q.getAction, [runName, name]);
    return row === undefined ? undefined : toActionRecord(row);
  }

  async listActions(runName: string): Promise<ActionRecord[]> {
    return (await this.#query<ActionRow>(Q.listActions, [runName])).map(toActionRecord);
  }

  async listChildren(runName: string, parentName: string): Promise<ActionRecord[]> {
    return (await this.#query<ActionRow>(Q.listChildren, [runName, parentName])).map(toActionRecord);
  }

  async listAttempts(runName: string, actionName?: string): Promise<AttemptRecord[]> {
    const rows =
      actionName === undefined
        ? await this.#query<AttemptRow>(Q.listRunAttempts, [runName])
        : await this.#query<AttemptRow>(Q.listActionAttempts, [runName, actionName]);
    return rows.map(toAttemptRecord);
  }

  async getCacheEntries(keys: readonly string[]): Promise<Map<string, CacheEntry>> {
    this.#open();
    const found = new Map<string, CacheEntry>();
    if (keys.length === 0) return found;
    // One array parameter, so there is no parameter-count limit to chunk around.
    for (const row of await this.#query<CacheRow>(Q.cacheEntries, [[...new Set(keys)]])) found.set(row.key, row);
    return found;
  }

  async reserveCache(key: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return (await this.#query(Q.reserveCache, [key, owner, now + ttlMs, now])).length > 0;
  }

  async releaseCache(key: string, owner: string): Promise<void> {
    await this.#query(Q.releaseCache, [key, owner]);
  }

  async getLogs(runName: string, actionName?: string, attempt?: number): Promise<LogRecord[]> {
    if (actionName === undefined) {
      return attempt === undefined
        ? this.#query<LogRow>(Q.runLogs, [runName])
        : this.#query<LogRow>(Q.runAttemptLogs, [runName, attempt]);
    }
    return attempt === undefined
      ? this.#query<LogRow>(Q.actionLogs, [runName, actionName])
      : this.#query<LogRow>(Q.attemptLogs, [runName, actionName, attempt]);
  }

  async getReport(runName: string, actionName: string): Promise<ReportRecord | undefined> {
    const [row] = await this.#query<ReportRow>(Q.getReport, [runName, actionName]);
    return row;
  }

  async registerTaskVersions(records: readonly TaskVersionRecord[]): Promise<TaskRegistration> {
    this.#open();
    return this.#taskVersions.register(records);
  }

  async getTaskVersion(
    project: string,
    domain: string,
    taskId: string,
    version?: string,
  ): Promise<TaskVersionRecord | undefined> {
    return this.#taskVersions.get(project, domain, taskId, version);
  }

  async listTaskVersions(query: ListTaskVersionsQuery): Promise<TaskVersionRecord[]> {
    return this.#taskVersions.list(query);
  }

  async claimServer(holder: string, log?: (line: string) => void): Promise<void> {
    this.#open();
    this.#claim ??= await claimPostgresStore(this.#claimSession, this.#schema, this.#label, holder, { log });
  }

  /** Ends the pool, letting running queries finish for a few seconds; later calls reject. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#sql.end({ timeout: 5 }), this.#visibleSql.end({ timeout: 5 })]);
    // Last: the claim keeps another server out until this one's writes have ended.
    await this.#claim?.release();
  }

  #open(): PgSql {
    if (this.#closed) throw new Error(`The run store ${this.#label} is closed; open it again to use it.`);
    return this.#sql;
  }

  /** A prepared statement's rows as plain objects with the record's field names. */
  async #query<R>(text: string, params: PgParam[]): Promise<R[]> {
    const rows = await this.#open().unsafe(text, params as never[], { prepare: true });
    // slice(): a plain Array (postgres.js's Result subclass declares Array as its species).
    return rows.slice() as unknown as R[];
  }
}
