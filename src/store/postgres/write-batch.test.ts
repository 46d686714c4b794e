// The one-round-trip batch writer: which statements a batch becomes (no server needed), and, on the real server,
// that a failure anywhere in a pipelined batch rolls all of it back, is reported as itself, and leaves the
// connection clean; random batches must leave PostgreSQL in the same state as the SQLite store.
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore, openSqliteStore, type PostgresRunStore, type RunStore, type WriteOp } from "../index.js";
import {
  actionRecord,
  attemptRecord,
  cacheEntry,
  logRecord,
  reportRecord,
  runRecord,
  RUN,
} from "../../../test/store-conformance-records.js";
import { createTestDatabase } from "../../../test/support/postgres.js";
import { planWrite } from "./write-batch.js";

const insertRun = (name = RUN): WriteOp => ({ op: "run.insert", run: runRecord({ name }) });
const insertAction = (name: string, runName = RUN): WriteOp => ({ op: "action.insert", action: actionRecord(name, { runName }) });
const move = (name: string, phase: "running" | "succeeded" = "succeeded", runName = RUN): WriteOp => ({
  op: "action.transition",
  transition: { runName, name, phase, attempt: 1, endedAt: 7, outputs: "[1]" },
});
const attempt = (name: string, n = 1): WriteOp => ({ op: "attempt.insert", attempt: attemptRecord(name, n) });
const moveRun = (name = RUN): WriteOp => ({ op: "run.transition", transition: { name, phase: "succeeded", endedAt: 9 } });

describe("planWrite", () => {
  it("writes each latency-bound commit as one autocommit statement", () => {
    for (const ops of [
      [insertAction("a1")],
      [move("a1"), attempt("a1")],
      [insertRun(), insertAction("a0")],
      [move("a0"), attempt("a0"), moveRun()],
    ]) {
      const plan = planWrite(ops);
      expect(plan.statements.length).toBe(1);
      expect(plan.begin).toBeUndefined();
    }
  });

  it("opens a transaction for a batch of several statements, with key joins set up only for updates of many rows", () => {
    const sameRow = planWrite([insertAction("a1"), move("a1")]);
    expect(sameRow.statements.length).toBe(2);
    expect(sameRow.begin).toBe("BEGIN");
    const manyMoves = planWrite([move("a1"), move("a2")]);
    expect(manyMoves.statements.length).toBe(1);
    expect(manyMoves.begin).toMatch(/^BEGIN; SET LOCAL plan_cache_mode = force_custom_plan/);
  });

  it("binds one op's fields as scalars and a group's as arrays", () => {
    const [one] = planWrite([insertAction("a1")]).statements;
    expect(one?.text).toMatch(/^INSERT INTO actions .* VALUES \(\$1::text, /);
    expect(one?.params[1]).toBe("a1");
    const [many] = planWrite([insertAction("a1"), insertAction("a2")]).statements;
    expect(many?.text).toMatch(/SELECT \* FROM unnest\(\$1::text\[\], /);
    expect(many?.params[1]).toEqual(["a1", "a2"]);
  });
});

// Top-level: without a server the whole file fails here, once, with createTestDatabase's message.
const database = await createTestDatabase();
afterAll(() => database.drop());

let schemas = 0;
/** A store on a fresh schema with one connection, so every write reuses the connection a failed one used. */
async function withStore<T>(body: (store: PostgresRunStore) => Promise<T>): Promise<T> {
  const store = await openPostgresStore(database.url, { schema: `w${++schemas}`, max: 1 });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

describe("writeBatch on PostgreSQL", () => {
  it("rolls back a whole pipelined batch when an update finds no row, naming the action", async () => {
    await withStore(async (store) => {
      await store.write([insertRun(), insertAction("a0")]);
      // Three statements in one transaction: the insert, then the transitions (a1 needs the insert), then the check.
      const failing = [insertAction("a1"), attempt("a0"), move("a1"), move("nope")];
      expect(planWrite(failing).statements.length).toBe(2);
      await expect(store.write(failing)).rejects.toThrow(/^action\.transition: run run-1 has no action nope$/);
      expect((await store.listActions(RUN)).map((a) => a.name)).toEqual(["a0"]);
      expect(await store.listAttempts(RUN)).toEqual([]);
    });
  });

  it("names the missing row in every form: a lone update, a combined statement, and the first of many", async () => {
    await withStore(async (store) => {
      await store.write([insertRun(), insertAction("a0")]);
      await expect(store.write([moveRun("run-9")])).rejects.toThrow(/^run\.transition: there is no run run-9$/);
      await expect(store.write([{ op: "run.requestAbort", name: "run-8", reason: "x" }])).rejects.toThrow(
        /^run\.requestAbort: there is no run run-8$/,
      );
      await expect(store.write([move("a0"), attempt("a0"), moveRun("run-7")])).rejects.toThrow(/there is no run run-7/);
      await expect(store.write([move("a0"), move("x2"), move("x1")])).rejects.toThrow(
        /^action\.transition: run run-1 has no action x2$/,
      );
      expect(await store.getAction(RUN, "a0")).toStrictEqual(actionRecord("a0"));
      expect(await store.listAttempts(RUN)).toEqual([]);
      expect((await store.getRun(RUN))?.phase).toBe("queued");
    });
  });

  it("reports the failing statement's own error, not the refusals of the statements after it", async () => {
    await withStore(async (store) => {
      await store.write([insertRun(), insertAction("a0"), attempt("a0")]);
      // put, delete and put of one key are three statements after the duplicate attempt's.
      const failing: WriteOp[] = [
        attempt("a0"),
        { op: "cache.put", entry: cacheEntry("k") },
        { op: "cache.delete", key: "k" },
        { op: "cache.put", entry: cacheEntry("k") },
      ];
      expect(planWrite(failing).statements.length).toBe(3);
      const error: unknown = await store.write(failing).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(/duplicate key value violates unique constraint "attempts_pkey"/);
      expect((await store.getCacheEntries(["k"])).size).toBe(0);
    });
  });

  it("leaves the connection outside any transaction and with default settings after a failed or key-joined batch", async () => {
    await withStore(async (store) => {
      await store.write([insertRun(), insertAction("a0"), insertAction("a1")]);
      await expect(store.write([insertAction("a2"), move("a2"), move("nope")])).rejects.toThrow(/no action nope/);
      // Key joins of a batch of many transitions set planner options for their own transaction only.
      await store.write([move("a0", "running"), move("a1", "running")]);
      // SAVEPOINT works only inside a transaction block: it fails unless a write left one open.
      await expect(store.sql.unsafe("SAVEPOINT probe")).rejects.toThrow(/can only be used in transaction blocks/);
      const [state] = await store.sql<{ mode: string; hash: string }[]>`
        SELECT current_setting('plan_cache_mode') AS mode, current_setting('enable_hashjoin') AS hash`;
      expect(state).toEqual({ mode: "auto", hash: "on" });
      // The next write on the same connection commits: another pool sees it.
      await store.write([move("a0")]);
      const other = await openPostgresStore(database.url, { schema: store.schema });
      try {
        expect((await other.getAction(RUN, "a0"))?.phase).toBe("succeeded");
        expect((await other.getAction(RUN, "a1"))?.phase).toBe("running");
        expect(await other.getAction(RUN, "a2")).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  it("leaves the same state as the SQLite store after random batches, failing ones included", async () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const runs = ["run-1", "run-2"];
    const actions = ["a0", "a1", "a2", "a3"];
    const pick = <T>(list: readonly T[]): T => list[random(list.length)] as T;
    const makers: (() => WriteOp)[] = [
      () => ({ op: "run.insert", run: runRecord({ name: pick(runs), createdAt: random(5) }) }),
      () => ({ op: "run.transition", transition: { name: pick(runs), phase: "running", ...(random(2) ? { endedAt: random(9) } : {}) } }),
      () => ({ op: "run.requestAbort", name: pick(runs), reason: `r${random(3)}` }),
      () => ({ op: "action.insert", action: actionRecord(pick(actions), { runName: pick(runs), seq: random(9) }) }),
      () => ({
        op: "action.transition",
        transition: {
          runName: pick(runs),
          name: pick(actions),
          phase: pick(["running", "succeeded", "failed"] as const),
          attempt: 1 + random(2),
          ...(random(2) ? { outputs: random(2) ? null : `[${random(9)}]` } : {}),
          ...(random(2) ? { startedAt: random(9) } : {}),
        },
      }),
      () => ({ op: "attempt.insert", attempt: attemptRecord(pick(actions), 1 + random(30), { runName: pick(runs) }) }),
      () => ({ op: "cache.put", entry: cacheEntry(`k${random(3)}`, { outputs: `${random(9)}` }) }),
      () => ({ op: "cache.delete", key: `k${random(3)}` }),
      () => ({ op: "log.append", record: logRecord(pick(actions), 1, `line ${random(99)}`, "stdout", 1, pick(runs)) }),
      () => ({ op: "report.put", report: reportRecord(pick(actions), 1 + random(2), `<p>${random(9)}</p>`) }),
    ];
    const snapshot = async (store: RunStore): Promise<unknown> => ({
      runs: await Promise.all(runs.map((name) => store.getRun(name))),
      actions: await Promise.all(runs.map((name) => store.listActions(name))),
      attempts: await Promise.all(runs.map((name) => store.listAttempts(name))),
      logs: await Promise.all(runs.map((name) => store.getLogs(name))),
      cache: [...(await store.getCacheEntries(["k0", "k1", "k2"])).entries()].sort(),
      reports: await Promise.all(actions.map((name) => store.getReport(RUN, name))),
    });
    const sqlite = openSqliteStore(":memory:");
    try {
      await withStore(async (postgres) => {
        let failed = 0;
        for (let round = 0; round < 150; round++) {
          const ops = Array.from({ length: 1 + random(12) }, () => pick(makers)());
          const outcomes = await Promise.all(
            [sqlite, postgres].map((store) =>
              store.write(ops).then(
                () => "ok",
                () => "failed",
              ),
            ),
          );
          expect(outcomes[1], JSON.stringify(ops)).toBe(outcomes[0]);
          if (outcomes[0] === "failed") failed++;
          expect(await snapshot(postgres), JSON.stringify(ops)).toStrictEqual(await snapshot(sqlite));
        }
        // The generator must exercise both paths.
        expect(failed).toBeGreaterThan(10);
        expect(failed).toBeLessThan(140);
      });
    } finally {
      await sqlite.close();
    }
  });
});
