// RunStore on one better-sqlite3 connection (local mode). Calls are synchronous underneath and wrapped in
// promises to fit the seam; every statement is prepared once. After close() every call rejects with a clear
// error instead of better-sqlite3's generic one.
import type Database from "better-sqlite3";
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
  WriteOp,
} from "../types.js";
import { checkCount, runFilter, whereClause } from "../list-queries.js";
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
import { SqliteTaskVersions } from "./sqlite-task-versions.js";
import { prepareWriteBatch } from "./write-batch.js";
import { claimSqliteDatabase, type SqliteClaim } from "./server-claim.js";

/** SQLite caps bound parameters per statement; 500 keeps IN lists well under every build's limit. */
const CACHE_LOOKUP_CHUNK = 500;

export class SqliteRunStore implements RunStore {
  readonly #db: Database.Database;
  readonly #checkpointer: { close(): Promise<void> } | undefined;
  readonly #writeBatch: (ops: readonly WriteOp[]) => void;
  readonly #stmt;
  readonly #cacheLookups = new Map<number, Database.Statement<string[], CacheRow>>();
  /** listRuns statements by the set of filters present (at most 16). */
  readonly #runLists = new Map<string, Database.Statement<(string | number)[], RunRow>>();
  readonly #taskVersions: SqliteTaskVersions;
  #closed = false;
  #claim: SqliteClaim | undefined;

  /** Takes an open, migrated connection; use openSqliteStore() to get one. */
  /** `checkpointer` copies the log back in the background (see WalCheckpointer); it is stopped on close. */
  constructor(db: Database.Database, checkpointer?: { close(): Promise<void> }) {
    this.#db = db;
    this.#checkpointer = checkpointer;
    this.#writeBatch = prepareWriteBatch(db);
    this.#taskVersions = new SqliteTaskVersions(db);
    this.#stmt = {
      getRun: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE name = ?`),
      getAction: db.prepare<[string, string], ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = ? AND name = ?`,
      ),
      listActions: db.prepare<[string], ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = ? ORDER BY id`,
      ),
      listChildren: db.prepare<[string, string], ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM actions WHERE run_name = ? AND parent_name = ? ORDER BY id`,
      ),
      listRunAttempts: db.prepare<[string], AttemptRow>(
        `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_name = ? ORDER BY action_name, attempt`,
      ),
      listActionAttempts: db.prepare<[string, string], AttemptRow>(
        `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE run_name = ? AND action_name = ? ORDER BY attempt`,
      ),
      // Takes the reservation when absent, expired or already ours; `changes` says whether the row is ours now.
      reserveCache: db.prepare<[string, string, number, number]>(
        `INSERT INTO cache_reservations (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE cache_reservations.owner = excluded.owner OR cache_reservations.expires_at <= ?`,
      ),
      releaseCache: db.prepare<[string, string]>("DELETE FROM cache_reservations WHERE key = ? AND owner = ?"),
      runLogs: db.prepare<[string], LogRow>(`SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = ? ORDER BY id`),
      actionLogs: db.prepare<[string, string], LogRow>(
        `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = ? AND action_name = ? ORDER BY id`,
      ),
      attemptLogs: db.prepare<[string, string, number], LogRow>(
        `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = ? AND action_name = ? AND attempt = ? ORDER BY id`,
      ),
      runAttemptLogs: db.prepare<[string, number], LogRow>(
        `SELECT ${LOG_COLUMNS} FROM logs WHERE run_name = ? AND attempt = ? ORDER BY id`,
      ),
      getReport: db.prepare<[string, string], ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM reports WHERE run_name = ? AND action_name = ? ORDER BY attempt DESC LIMIT 1`,
      ),
    };
  }

  /** The file this store writes to, or ":memory:". */
  get path(): string {
    return this.#db.name;
  }

  /** The underlying connection, for SQLite-specific tooling and tests; not part of the RunStore seam. */
  get database(): Database.Database {
    return this.#open();
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    this.#open();
    this.#writeBatch(ops);
  }

  async getRun(name: string): Promise<RunRecord | undefined> {
    this.#open();
    const row = this.#stmt.getRun.get(name);
    return row === undefined ? undefined : toRunRecord(row);
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    this.#open();
    // LIMIT -1 is SQLite for "no limit".
    const limit = checkCount("listRuns", "limit", query.limit, -1);
    const offset = checkCount("listRuns", "offset", query.offset, 0);
    const filter = runFilter(query);
    let stmt = this.#runLists.get(filter.key);
    if (stmt === undefined) {
      const where = whereClause(filter.columns, () => "?");
      stmt = this.#db.prepare<(string | number)[], RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      );
      this.#runLists.set(filter.key, stmt);
    }
    return stmt.all(...filter.values, limit, offset).map(toRunRecord);
  }

  async getAction(runName: string, name: string): Promise<ActionRecord | undefined> {
    this.#open();
    const row = this.#stmt.getAction.get(runName, name);
    return row === undefined ? undefined : toActionRecord(row);
  }

  async listActions(runName: string): Promise<ActionRecord[]> {
    this.#open();
    return this.#stmt.listActions.all(runName).map(toActionRecord);
  }

  async listChildren(runName: string, parentName: string): Promise<ActionRecord[]> {
    this.#open();
    return this.#stmt.listChildren.all(runName, parentName).map(toActionRecord);
  }

  async listAttempts(runName: string, actionName?: string): Promise<AttemptRecord[]> {
    this.#open();
    const rows =
      actionName === undefined
        ? this.#stmt.listRunAttempts.all(runName)
        : this.#stmt.listActionAttempts.all(runName, actionName);
    return rows.map(toAttemptRecord);
  }

  async getCacheEntries(keys: readonly string[]): Promise<Map<string, CacheEntry>> {
    this.#open();
    const found = new Map<string, CacheEntry>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += CACHE_LOOKUP_CHUNK) {
      const chunk = unique.slice(i, i + CACHE_LOOKUP_CHUNK);
      for (const row of this.#cacheLookup(chunk.length).all(...chunk)) found.set(row.key, row);
    }
    return found;
  }

  async reserveCache(key: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    this.#open();
    return this.#stmt.reserveCache.run(key, owner, now + ttlMs, now).changes > 0;
  }

  async releaseCache(key: string, owner: string): Promise<void> {
    this.#open();
    this.#stmt.releaseCache.run(key, owner);
  }

  async getLogs(runName: string, actionName?: string, attempt?: number): Promise<LogRecord[]> {
    this.#open();
    if (actionName === undefined) {
      return attempt === undefined
        ? this.#stmt.runLogs.all(runName)
        : this.#stmt.runAttemptLogs.all(runName, attempt);
    }
    return attempt === undefined
      ? this.#stmt.actionLogs.all(runName, actionName)
      : this.#stmt.attemptLogs.all(runName, actionName, attempt);
  }

  async getReport(runName: string, actionName: string): Promise<ReportRecord | undefined> {
    this.#open();
    return this.#stmt.getReport.get(runName, actionName);
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
    this.#open();
    return this.#taskVersions.get(project, domain, taskId, version);
  }

  async listTaskVersions(query: ListTaskVersionsQuery): Promise<TaskVersionRecord[]> {
    this.#open();
    return this.#taskVersions.list(query);
  }

  /** A private in-memory database has nothing to share, so its claim always succeeds. */
  async claimServer(holder: string): Promise<void> {
    const db = this.#open();
    if (db.memory || this.#claim) return;
    this.#claim = claimSqliteDatabase(db.name, holder);
  }

  /** Closes the connection; later calls reject. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#checkpointer?.close();
    this.#db.close();
    this.#claim?.release();
  }

  #open(): Database.Database {
    if (this.#closed) throw new Error(`The run store ${this.#db.name} is closed; open it again to use it.`);
    return this.#db;
  }

  /** One statement per IN-list length, so repeated lookups of the same size reuse it. */
  #cacheLookup(size: number): Database.Statement<string[], CacheRow> {
    let stmt = this.#cacheLookups.get(size);
    if (stmt === undefined) {
      const marks = new Array<string>(size).fill("?").join(", ");
      stmt = this.#db.prepare<string[], CacheRow>(`SELECT ${CACHE_COLUMNS} FROM cache_entries WHERE key IN (${marks})`);
      this.#cacheLookups.set(size, stmt);
    }
    return stmt;
  }
}
