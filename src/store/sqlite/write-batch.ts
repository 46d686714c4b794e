// Applies a batch of WriteOps in one SQLite transaction, with one statement per op kind prepared once.
// Invariants: ops run in order; any failing op (constraint violation, unknown target) throws, which rolls the
// whole batch back. Transitions bind a "set" flag per optional field: undefined keeps the column, null clears it.
import type Database from "better-sqlite3";
import type { ActionTransition, RunTransition, WriteOp } from "../types.js";
import { errorText, labelsText } from "./rows.js";

/** The "set" flag of `CASE WHEN flag THEN value ELSE column END`: 1/0, as better-sqlite3 binds no booleans. */
const set = (value: unknown): 0 | 1 => (value === undefined ? 0 : 1);

function errorArg(error: ActionTransition["error"]): string | null {
  return error === undefined ? null : errorText(error);
}

const keep = (column: string): string => `${column} = CASE WHEN ? THEN ? ELSE ${column} END`;

/** Prepares the write statements of `db` and returns the function that applies one batch atomically. */
export function prepareWriteBatch(db: Database.Database): (ops: readonly WriteOp[]) => void {
  const runInsert = db.prepare(
    `INSERT INTO runs (name, project, domain, task_name, phase, inputs, outputs, error, labels, created_at,
       ended_at, abort_requested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const runTransition = db.prepare(
    `UPDATE runs SET phase = ?, ${keep("ended_at")}, ${keep("outputs")}, ${keep("error")} WHERE name = ?`,
  );
  const runRequestAbort = db.prepare("UPDATE runs SET abort_requested = ? WHERE name = ?");
  // An upsert, not INSERT OR REPLACE: the row keeps its id, hence its place in creation order.
  const actionInsert = db.prepare(
    `INSERT INTO actions (run_name, name, parent_name, type, task_name, group_name, seq, phase, attempt, inputs,
       outputs, error, cache_key, cache_status, created_at, started_at, ended_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_name, name) DO UPDATE SET parent_name = excluded.parent_name, type = excluded.type,
       task_name = excluded.task_name, group_name = excluded.group_name, seq = excluded.seq,
       phase = excluded.phase, attempt = excluded.attempt, inputs = excluded.inputs, outputs = excluded.outputs,
       error = excluded.error, cache_key = excluded.cache_key, cache_status = excluded.cache_status,
       created_at = excluded.created_at, started_at = excluded.started_at, ended_at = excluded.ended_at`,
  );
  const actionTransition = db.prepare(
    `UPDATE actions SET phase = ?, attempt = ?, ${keep("started_at")}, ${keep("ended_at")}, ${keep("outputs")},
       ${keep("error")}, ${keep("cache_status")} WHERE run_name = ? AND name = ?`,
  );
  const attemptInsert = db.prepare(
    `INSERT INTO attempts (run_name, action_name, attempt, phase, started_at, ended_at, error)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const cachePut = db.prepare(
    `INSERT INTO cache_entries (key, task_name, outputs, created_at, run_name, action_name) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET task_name = excluded.task_name, outputs = excluded.outputs,
       created_at = excluded.created_at, run_name = excluded.run_name, action_name = excluded.action_name`,
  );
  const cacheDelete = db.prepare("DELETE FROM cache_entries WHERE key = ?");
  const logAppend = db.prepare(
    "INSERT INTO logs (run_name, action_name, attempt, stream, ts, text) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const reportPut = db.prepare(
    `INSERT INTO reports (run_name, action_name, attempt, html, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_name, action_name, attempt) DO UPDATE SET html = excluded.html, updated_at = excluded.updated_at`,
  );

  const transitionAction = (t: ActionTransition): void => {
    // Spelled out rather than spread from helper tuples: this is the hottest statement of a run.
    const changed = actionTransition.run(
      t.phase,
      t.attempt,
      set(t.startedAt),
      t.startedAt ?? null,
      set(t.endedAt),
      t.endedAt ?? null,
      set(t.outputs),
      t.outputs ?? null,
      set(t.error),
      errorArg(t.error),
      set(t.cacheStatus),
      t.cacheStatus ?? null,
      t.runName,
      t.name,
    ).changes;
    // A transition of an action that was never inserted is an engine bug; storing nothing would hide it.
    if (changed === 0) throw new Error(`action.transition: run ${t.runName} has no action ${t.name}`);
  };

  const transitionRun = (t: RunTransition): void => {
    const changed = runTransition.run(
      t.phase,
      set(t.endedAt),
      t.endedAt ?? null,
      set(t.outputs),
      t.outputs ?? null,
      set(t.error),
      errorArg(t.error),
      t.name,
    ).changes;
    if (changed === 0) throw new Error(`run.transition: there is no run ${t.name}`);
  };

  const apply = (op: WriteOp): void => {
    switch (op.op) {
      case "run.insert": {
        const r = op.run;
        runInsert.run(
          r.name,
          r.project,
          r.domain,
          r.taskName,
          r.phase,
          r.inputs,
          r.outputs,
          errorText(r.error),
          labelsText(r.labels),
          r.createdAt,
          r.endedAt,
          r.abortRequested,
        );
        return;
      }
      case "run.transition":
        return transitionRun(op.transition);
      case "run.requestAbort":
        if (runRequestAbort.run(op.reason, op.name).changes === 0) {
          throw new Error(`run.requestAbort: there is no run ${op.name}`);
        }
        return;
      case "action.insert": {
        const a = op.action;
        actionInsert.run(
          a.runName,
          a.name,
          a.parentName,
          a.type,
          a.taskName,
          a.group,
          a.seq,
          a.phase,
          a.attempt,
          a.inputs,
          a.outputs,
          errorText(a.error),
          a.cacheKey,
          a.cacheStatus,
          a.createdAt,
          a.startedAt,
          a.endedAt,
        );
        return;
      }
      case "action.transition":
        return transitionAction(op.transition);
      case "attempt.insert": {
        const t = op.attempt;
        attemptInsert.run(t.runName, t.actionName, t.attempt, t.phase, t.startedAt, t.endedAt, errorText(t.error));
        return;
      }
      case "cache.put": {
        const e = op.entry;
        cachePut.run(e.key, e.taskName, e.outputs, e.createdAt, e.runName, e.actionName);
        return;
      }
      case "cache.delete":
        cacheDelete.run(op.key);
        return;
      case "log.append": {
        const l = op.record;
        logAppend.run(l.runName, l.actionName, l.attempt, l.stream, l.ts, l.text);
        return;
      }
      case "report.put": {
        const p = op.report;
        reportPut.run(p.runName, p.actionName, p.attempt, p.html, p.updatedAt);
        return;
      }
      default: {
        const unknown: never = op;
        throw new Error(`Unknown write op ${JSON.stringify((unknown as { op?: unknown }).op)}`);
      }
    }
  };

  const batch = db.transaction((ops: readonly WriteOp[]) => {
    for (const op of ops) apply(op);
  });
  // IMMEDIATE takes the write lock up front, so a concurrent writer waits on busy_timeout instead of failing
  // with SQLITE_BUSY when a deferred transaction tries to upgrade its read lock.
  return (ops) => {
    if (ops.length > 0) batch.immediate(ops);
  };
}
