// The store part's only import point: the RunStore seam and its implementations. Other parts depend on
// the RunStore interface and pick an implementation here (SQLite for local mode, PostgreSQL for servers).
export type {
  ActionPhase,
  ActionRecord,
  ActionTransition,
  ActionType,
  AttemptRecord,
  CacheEntry,
  CacheStatus,
  ListRunsQuery,
  ListTaskVersionsQuery,
  LogRecord,
  LogStream,
  ReportRecord,
  RunRecord,
  RunStore,
  RunTransition,
  TaskRegistration,
  TaskVersionRecord,
  WriteDurability,
  WriteOp,
} from "./types.js";
export { ACTION_PHASES, TERMINAL_PHASES, runNameOf, withTransition } from "./types.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite/open-sqlite-store.js";
export { SqliteRunStore } from "./sqlite/sqlite-run-store.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres/open-postgres-store.js";
export { PostgresRunStore } from "./postgres/postgres-run-store.js";
