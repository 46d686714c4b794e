// The PostgreSQL schema of the RunStore and its migrations: the same tables and meaning as the SQLite schema.
// `flyte_schema_version` holds one row per applied step; steps are append-only (never edit a released one), and
// each runs in its own transaction under an advisory lock, so replicas starting together apply every step once.
import type postgres from "postgres";

/** The SQL handle with the store's type options (BIGINT parsed to number). */
export type PgSql = postgres.Sql<{ bigint: number }>;
export type PgTransaction = postgres.TransactionSql<{ bigint: number }>;
/** Where a write batch runs: a transaction, a reserved connection inside BEGIN … COMMIT, or autocommit. */
export type PgQueryable = PgSql | PgTransaction | postgres.ReservedSql<{ bigint: number }>;

/** One schema step. Index i in MIGRATIONS brings a database from version i to version i + 1. */
export type Migration = (tx: PgTransaction) => Promise<unknown>;

// Timestamps are BIGINT milliseconds and JSON columns (error, labels) are text, exactly as in SQLite: text keeps
// the stored JSON byte for byte (jsonb would reorder keys and reject "\u0000"), and nothing queries inside it yet.
// Each id column is an unindexed identity that records creation order; the natural key is the primary key.
const V1 = `
CREATE TABLE runs (
  name            TEXT    PRIMARY KEY,
  id              BIGINT  GENERATED ALWAYS AS IDENTITY,
  project         TEXT    NOT NULL,
  domain          TEXT    NOT NULL,
  task_name       TEXT    NOT NULL,
  phase           TEXT    NOT NULL,
  inputs          TEXT    NOT NULL,
  outputs         TEXT,
  error           TEXT,
  labels          TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  ended_at        BIGINT,
  abort_requested TEXT
) WITH (fillfactor = 90);
-- id breaks ties between runs created in the same millisecond.
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_phase ON runs (phase, created_at, id);

-- An upsert keeps id, so a replaced action keeps its place. Transitions touch no indexed column, and the free
-- space left by fillfactor lets them be HOT updates (no index writes) on the hottest table.
CREATE TABLE actions (
  run_name     TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  id           BIGINT  GENERATED ALWAYS AS IDENTITY,
  parent_name  TEXT,
  type         TEXT    NOT NULL,
  task_name    TEXT    NOT NULL,
  group_name   TEXT,
  seq          INTEGER NOT NULL,
  phase        TEXT    NOT NULL,
  attempt      INTEGER NOT NULL,
  inputs       TEXT    NOT NULL,
  outputs      TEXT,
  error        TEXT,
  cache_key    TEXT,
  cache_status TEXT    NOT NULL,
  created_at   BIGINT  NOT NULL,
  started_at   BIGINT,
  ended_at     BIGINT,
  PRIMARY KEY (run_name, name)
) WITH (fillfactor = 80);
CREATE INDEX actions_by_parent ON actions (run_name, parent_name, id);

CREATE TABLE attempts (
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  phase       TEXT    NOT NULL,
  started_at  BIGINT  NOT NULL,
  ended_at    BIGINT  NOT NULL,
  error       TEXT,
  PRIMARY KEY (run_name, action_name, attempt)
);

CREATE TABLE cache_entries (
  key         TEXT    PRIMARY KEY,
  task_name   TEXT    NOT NULL,
  outputs     TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL
);

CREATE TABLE cache_reservations (
  key        TEXT    PRIMARY KEY,
  owner      TEXT    NOT NULL,
  expires_at BIGINT  NOT NULL
);

CREATE TABLE logs (
  id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  stream      TEXT    NOT NULL,
  ts          BIGINT  NOT NULL,
  text        TEXT    NOT NULL
);
CREATE INDEX logs_by_action ON logs (run_name, action_name, attempt, id);

CREATE TABLE reports (
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  html        TEXT    NOT NULL,
  updated_at  BIGINT  NOT NULL,
  PRIMARY KEY (run_name, action_name, attempt)
);
`;

// V2: an update that finds no row must abort its transaction on the server, so a batch can send BEGIN, its
// statements and COMMIT in one round trip (write-batch.ts): each update statement counts its rows and calls this,
// which raises no_data_found with the caller's message (naming the missing run or action) on a mismatch.
const V2 = `
CREATE FUNCTION flyte_assert_rows(expected integer, actual bigint, message text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF actual <> expected THEN
    RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = message;
  END IF;
END
$$;
`;

// V3: the task registry (`flyte deploy`) and indexes for listing runs by project/domain/task. task_id and version
// compare bytewise (COLLATE "C"), as SQLite's text does, so both stores order and break ties identically whatever
// the database's collation. task_versions_latest answers "latest version of a task" by its first entry; the run
// indexes end in (created_at, id), so a filtered list is read in listRuns order.
const V3 = `
CREATE TABLE task_versions (
  project     TEXT    NOT NULL,
  domain      TEXT    NOT NULL,
  task_id     TEXT    COLLATE "C" NOT NULL,
  version     TEXT    COLLATE "C" NOT NULL,
  env_name    TEXT    NOT NULL,
  code        TEXT    NOT NULL,
  definition  TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  deployed_at BIGINT  NOT NULL,
  PRIMARY KEY (project, domain, task_id, version)
);
CREATE INDEX task_versions_latest
  ON task_versions (project, domain, task_id, deployed_at DESC, created_at DESC, version DESC);

CREATE INDEX runs_by_scope ON runs (project, domain, created_at, id);
CREATE INDEX runs_by_task ON runs (project, domain, task_name, created_at, id);
`;

/** Append new steps at the end; the schema version of a database is the number of steps applied. */
export const MIGRATIONS: readonly Migration[] = [
  (tx) => tx.unsafe(V1).simple(),
  (tx) => tx.unsafe(V2).simple(),
  (tx) => tx.unsafe(V3).simple(),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `schema` (created if missing; the connection's search_path must name it) to the last version of
 * `migrations`. Refuses a schema written by a newer version rather than guess at it.
 */
export async function migrate(sql: PgSql, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  for (;;) {
    const done = await sql.begin(async (tx) => {
      // Held until this step commits: a second replica waits here, then sees the step applied and moves on.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`flyte_schema_version:${schema}`}))`;
      const [existing] = await tx`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`;
      // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database.
      if (existing === undefined) await tx.unsafe(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
      await tx`CREATE TABLE IF NOT EXISTS flyte_schema_version (
        version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`;
      const [row] = await tx<{ version: number }[]>`SELECT coalesce(max(version), 0) AS version FROM flyte_schema_version`;
      const current = row?.version ?? 0;
      if (current > migrations.length) {
        throw new Error(
          `The run database schema "${schema}" has schema version ${current}, newer than this flyte's ` +
            `${migrations.length}. Upgrade flyte, or point it at another database or schema.`,
        );
      }
      const step = migrations[current];
      if (step === undefined) return true;
      await step(tx);
      await tx`INSERT INTO flyte_schema_version (version, applied_at) VALUES (${current + 1}, ${Date.now()})`;
      return false;
    });
    if (done) return;
  }
}

/** Quotes a schema name (already validated to be a plain identifier) so its case is kept. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
