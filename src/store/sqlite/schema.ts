// The SQLite schema of the RunStore and its migrations. `PRAGMA user_version` records how many steps of
// MIGRATIONS a database has applied; steps are append-only (never edit a released one), each runs in its own
// transaction together with the version bump, so a crash mid-migration leaves the previous version intact.
import type Database from "better-sqlite3";

/** One schema step. Index i in MIGRATIONS brings a database from version i to version i + 1. */
export type Migration = (db: Database.Database) => void;

const V1 = `
-- id is the rowid alias: stable across VACUUM, so it can order runs created in the same millisecond.
CREATE TABLE runs (
  id              INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE,
  project         TEXT    NOT NULL,
  domain          TEXT    NOT NULL,
  task_name       TEXT    NOT NULL,
  phase           TEXT    NOT NULL,
  inputs          TEXT    NOT NULL,
  outputs         TEXT,
  error           TEXT,
  labels          TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  ended_at        INTEGER,
  abort_requested TEXT
);
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX runs_by_phase ON runs (phase, created_at);

-- (run_name, name) is the natural key; id records creation order (thousands of actions share a millisecond)
-- and an upsert keeps it, so a replaced action keeps its place.
CREATE TABLE actions (
  id           INTEGER PRIMARY KEY,
  run_name     TEXT    NOT NULL,
  name         TEXT    NOT NULL,
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
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  ended_at     INTEGER,
  UNIQUE (run_name, name)
);
-- The rowid is the implicit last column, so children come out of this index already in creation order.
CREATE INDEX actions_by_parent ON actions (run_name, parent_name);

CREATE TABLE attempts (
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  phase       TEXT    NOT NULL,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER NOT NULL,
  error       TEXT,
  PRIMARY KEY (run_name, action_name, attempt)
) WITHOUT ROWID;

CREATE TABLE cache_entries (
  key         TEXT    PRIMARY KEY,
  task_name   TEXT    NOT NULL,
  outputs     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL
);

CREATE TABLE cache_reservations (
  key        TEXT    PRIMARY KEY,
  owner      TEXT    NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE logs (
  id          INTEGER PRIMARY KEY,
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  stream      TEXT    NOT NULL,
  ts          INTEGER NOT NULL,
  text        TEXT    NOT NULL
);
CREATE INDEX logs_by_action ON logs (run_name, action_name, attempt);

CREATE TABLE reports (
  run_name    TEXT    NOT NULL,
  action_name TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  html        TEXT    NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (run_name, action_name, attempt)
);
`;

// V2: the task registry (`flyte deploy`) and indexes for listing runs by project/domain/task. A version's natural
// key is its primary key (WITHOUT ROWID: rows are read by key, never in insertion order). task_versions_latest
// answers "latest version of a task" by reading its first entry, ordered exactly as the store breaks ties.
// Run indexes end with created_at and (implicitly) the rowid id, so a filtered list is read in listRuns order.
const V2 = `
CREATE TABLE task_versions (
  project     TEXT    NOT NULL,
  domain      TEXT    NOT NULL,
  task_id     TEXT    NOT NULL,
  version     TEXT    NOT NULL,
  env_name    TEXT    NOT NULL,
  code        TEXT    NOT NULL,
  definition  TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  deployed_at INTEGER NOT NULL,
  PRIMARY KEY (project, domain, task_id, version)
) WITHOUT ROWID;
CREATE INDEX task_versions_latest
  ON task_versions (project, domain, task_id, deployed_at DESC, created_at DESC, version DESC);

CREATE INDEX runs_by_scope ON runs (project, domain, created_at);
CREATE INDEX runs_by_task ON runs (project, domain, task_name, created_at);
`;

/** Append new steps at the end; the schema version of a database is the number of steps applied. */
export const MIGRATIONS: readonly Migration[] = [(db) => db.exec(V1), (db) => db.exec(V2)];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to SCHEMA_VERSION. Refuses a database written by a newer version rather than guess at it. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The run database ${db.name} has schema version ${current}, newer than this flyte's ${migrations.length}. ` +
        "Upgrade flyte, or point it at another database.",
    );
  }
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version] as Migration;
    // immediate: two processes opening a fresh file at once must not both run the same step.
    db.transaction(() => {
      const seen = db.pragma("user_version", { simple: true }) as number;
      if (seen !== version) return;
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
