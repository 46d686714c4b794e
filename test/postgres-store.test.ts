// Runs the RunStore conformance suite against PostgreSQL (a fresh schema per test in a fresh database per file),
// plus what only a shared server store promises: idempotent and race-free migrations that upgrade older schemas,
// cache reservations and task registrations that hold across processes, and large mixed batches that commit (or
// roll back) as one transaction.
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore, type PostgresRunStore, type TaskVersionRecord, type WriteOp } from "../src/store/index.js";
import { MIGRATIONS, SCHEMA_VERSION, migrate, quoteIdentifier, type PgSql } from "../src/store/postgres/schema.js";
import { runStoreConformance } from "./store-conformance.js";
import { actionRecord, attemptRecord, logRecord, runRecord, RUN } from "./store-conformance-records.js";
import { createTestDatabase } from "./support/postgres.js";

// Top-level: without a server the whole file fails here, once, with createTestDatabase's message.
const database = await createTestDatabase();
afterAll(() => database.drop());

let schemas = 0;
const freshSchema = (): string => `s${++schemas}`;

runStoreConformance(
  "postgres",
  () => openPostgresStore(database.url, { schema: freshSchema() }),
  undefined,
  () => openPostgresStore(database.url, { schema: `s${schemas}`, max: 1 }),
);

/** Opens a store on its own schema, runs `body`, and closes the store whatever happens. */
async function withStore<T>(body: (store: PostgresRunStore) => Promise<T>, schema = freshSchema()): Promise<T> {
  const store = await openPostgresStore(database.url, { schema });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

describe("postgres store", () => {
  it("migrates once: a second open keeps the data and applies no step again", async () => {
    const schema = freshSchema();
    await withStore((store) => store.write([{ op: "run.insert", run: runRecord() }]), schema);
    await withStore(async (store) => {
      expect(await store.getRun(RUN)).toStrictEqual(runRecord());
      const versions = await store.sql`SELECT version FROM flyte_schema_version ORDER BY version`;
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    }, schema);
  });

  it("lets several stores open one empty database at once", async () => {
    const empty = await createTestDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(empty.url)));
      try {
        const [first, second] = stores as [PostgresRunStore, PostgresRunStore];
        await first.write([{ op: "run.insert", run: runRecord() }]);
        expect((await second.getRun(RUN))?.phase).toBe("queued");
        const versions = await first.sql`SELECT version FROM public.flyte_schema_version`;
        expect(versions.length).toBe(SCHEMA_VERSION);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    } finally {
      await empty.drop();
    }
  });

  it("upgrades a schema at the previous version, keeping its runs", async () => {
    const schema = freshSchema();
    const sql: PgSql = postgres(database.url, {
      max: 1,
      onnotice: () => undefined,
      connection: { search_path: quoteIdentifier(schema) },
      types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
    });
    try {
      await migrate(sql, schema, MIGRATIONS.slice(0, SCHEMA_VERSION - 1));
      await sql`INSERT INTO runs (name, project, domain, task_name, phase, inputs, labels, created_at)
        VALUES ('old', 'p', 'd', 'env.main', 'succeeded', '[]', '{}', 7)`;
    } finally {
      await sql.end({ timeout: 5 });
    }
    await withStore(async (store) => {
      const versions = await store.sql`SELECT version FROM flyte_schema_version ORDER BY version`;
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      expect((await store.listRuns({ project: "p", domain: "d", taskName: "env.main" })).map((r) => r.name)).toEqual([
        "old",
      ]);
      expect((await store.registerTaskVersions([taskVersion("v1", "c1")])).created).toEqual(["env.t"]);
    }, schema);
  });

  it("refuses a schema written by a newer version", async () => {
    const schema = freshSchema();
    await withStore((store) => store.sql`INSERT INTO flyte_schema_version VALUES (999, 0)`, schema);
    await expect(openPostgresStore(database.url, { schema })).rejects.toThrow(/schema version 999/);
  });

  it("gives a contended reservation to exactly one of two stores", async () => {
    const schema = freshSchema();
    await withStore(async (alice) => {
      await withStore(async (bob) => {
        const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
        const won = await Promise.all(
          keys.map((key) =>
            Promise.all([alice.reserveCache(key, "alice", 60_000, 1_000), bob.reserveCache(key, "bob", 60_000, 1_000)]),
          ),
        );
        for (const [a, b] of won) expect(a !== b).toBe(true);
        // The reservation belongs to whoever won: the winner refreshes it, the loser is still refused.
        const [aliceWon] = won[0] ?? [];
        const [winner, loser] = aliceWon === true ? [alice, bob] : [bob, alice];
        const [winnerName, loserName] = aliceWon === true ? ["alice", "bob"] : ["bob", "alice"];
        expect(await winner.reserveCache("key-0", winnerName, 60_000, 2_000)).toBe(true);
        expect(await loser.reserveCache("key-0", loserName, 60_000, 2_000)).toBe(false);
      }, schema);
    }, schema);
  });

  it("registers one version from two stores at once: one creates, the other redeploys; other code is refused", async () => {
    const schema = freshSchema();
    await withStore(async (alice) => {
      await withStore(async (bob) => {
        for (let i = 0; i < 20; i++) {
          const same = await Promise.all([
            alice.registerTaskVersions([taskVersion(`same-${i}`, "c1")]),
            bob.registerTaskVersions([taskVersion(`same-${i}`, "c1", 2_000)]),
          ]);
          expect(same.flatMap((r) => r.created)).toEqual(["env.t"]);
          expect(same.flatMap((r) => r.redeployed)).toEqual(["env.t"]);

          const clash = await Promise.allSettled([
            alice.registerTaskVersions([taskVersion(`clash-${i}`, "c1"), taskVersion(`other-a-${i}`, "c1")]),
            bob.registerTaskVersions([taskVersion(`clash-${i}`, "c2"), taskVersion(`other-b-${i}`, "c2")]),
          ]);
          const [won, lost] = clash[0].status === "fulfilled" ? ["a", "b"] : ["b", "a"];
          expect(clash.filter((r) => r.status === "fulfilled").length).toBe(1);
          expect(clash.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "TASK_VERSION_CONFLICT" } });
          expect(await alice.getTaskVersion("p", "d", "env.t", `other-${won}-${i}`)).toBeDefined();
          expect(await alice.getTaskVersion("p", "d", "env.t", `other-${lost}-${i}`)).toBeUndefined();
        }
      }, schema);
    }, schema);
  });

  it("writes a 'visible' batch without waiting for the disk, committed for every reader at once", async () => {
    await withStore(async (store) => {
      await store.write([{ op: "run.insert", run: runRecord() }]);
      await store.write([{ op: "action.insert", action: actionRecord("c1") }], "visible");
      // Another session sees it as soon as write() resolved.
      const other = postgres(database.url, { max: 1, onnotice: () => undefined });
      try {
        const rows = await other.unsafe(`SELECT name FROM ${quoteIdentifier(store.schema)}.actions WHERE run_name = $1`, [RUN]);
        expect(rows.map((row) => row["name"] as string)).toContain("c1");
        // The commit did not wait for its WAL flush: the pool that wrote it has synchronous_commit off, the main one on.
        const [visible] = await store.visibleSql.unsafe("SHOW synchronous_commit");
        const [durable] = await store.sql.unsafe("SHOW synchronous_commit");
        expect([visible?.["synchronous_commit"], durable?.["synchronous_commit"]]).toEqual(["off", "on"]);
      } finally {
        await other.end();
      }
      // A durable write after it flushes the log up to and including the visible one.
      await store.write([{ op: "action.transition", transition: { runName: RUN, name: "c1", phase: "succeeded", attempt: 1, endedAt: 5 } }]);
      expect((await store.getAction(RUN, "c1"))?.phase).toBe("succeeded");
    });
  });

  it("commits a batch of 5,000 mixed ops as one transaction, in op order", async () => {
    await withStore(async (store) => {
      const ops: WriteOp[] = [{ op: "run.insert", run: runRecord() }];
      for (let i = 0; i < 1_000; i++) {
        const name = `a${i}`;
        ops.push(
          { op: "action.insert", action: actionRecord(name, { seq: i }) },
          { op: "action.transition", transition: { runName: RUN, name, phase: "running", attempt: 1, startedAt: i } },
          { op: "attempt.insert", attempt: attemptRecord(name, 1) },
          { op: "log.append", record: logRecord(name, 1, `line ${i}`) },
        );
        // Two transitions of one action inside one run of transitions: the later one must win.
        if (i % 2 === 1) {
          ops.push(
            { op: "action.transition", transition: { runName: RUN, name: `a${i - 1}`, phase: "succeeded", attempt: 1 } },
            { op: "action.transition", transition: { runName: RUN, name: `a${i - 1}`, phase: "failed", attempt: 2 } },
          );
        }
      }
      expect(ops.length).toBe(5_001);
      await store.write(ops);
      const actions = await store.listActions(RUN);
      expect(actions.map((a) => a.name)).toEqual(Array.from({ length: 1_000 }, (_, i) => `a${i}`));
      expect(actions[10]).toStrictEqual(actionRecord("a10", { seq: 10, phase: "failed", attempt: 2, startedAt: 10 }));
      expect(actions[11]).toStrictEqual(actionRecord("a11", { seq: 11, phase: "running", startedAt: 11 }));
      expect((await store.getLogs(RUN)).map((l) => l.text)[999]).toBe("line 999");
      // Every row was written (or last updated) by the same transaction.
      const writers = await store.sql`
        SELECT xmin::text FROM runs UNION SELECT xmin::text FROM actions
        UNION SELECT xmin::text FROM attempts UNION SELECT xmin::text FROM logs`;
      expect(writers.length).toBe(1);

      // And a batch as large that fails on its last op leaves nothing behind.
      const toRun2 = (op: WriteOp): WriteOp => JSON.parse(JSON.stringify(op).replaceAll('"run-1"', '"run-2"')) as WriteOp;
      const failing = ops.map(toRun2);
      failing.push({ op: "action.transition", transition: { runName: "run-2", name: "nope", phase: "running", attempt: 1 } });
      await expect(store.write(failing)).rejects.toThrow(/run run-2 has no action nope/);
      expect(await store.getRun("run-2")).toBeUndefined();
      expect(await store.listActions("run-2")).toEqual([]);
      expect(await store.getLogs("run-2")).toEqual([]);
    });
  });

  it("stores a log line or report holding U+0000, which PostgreSQL text cannot, with U+FFFD in its place", async () => {
    await withStore(async (store) => {
      await store.write([
        { op: "log.append", record: logRecord("a0", 1, "before\u0000after") },
        { op: "report.put", report: { runName: RUN, actionName: "a0", attempt: 1, html: "<p>\u0000</p>", updatedAt: 1 } },
      ]);
      expect((await store.getLogs(RUN))[0]?.text).toBe("before\uFFFDafter");
      expect((await store.getReport(RUN, "a0"))?.html).toBe("<p>\uFFFD</p>");
    });
  });

  it("rejects bad options, naming the option and what is allowed", async () => {
    await expect(openPostgresStore("mysql://x@y/z")).rejects.toThrow(/postgres:\/\/user/);
    await expect(openPostgresStore(database.url, { schema: "bad-name" })).rejects.toThrow(/schema "bad-name".*letters/);
    await expect(openPostgresStore(database.url, { schema: "pg_mine" })).rejects.toThrow(/schema "pg_mine"/);
    await expect(openPostgresStore(database.url, { max: 0 })).rejects.toThrow(/max 0 .*from 1 to/);
  });

  it("fails to open with a message naming the server when nothing listens there", async () => {
    const url = "postgres://flyte:secret@127.0.0.1:1/flyte";
    const opening = openPostgresStore(url);
    await expect(opening).rejects.toThrow(/Could not open the PostgreSQL run store at postgres:\/\/127\.0\.0\.1:1\/flyte/);
    await expect(opening).rejects.not.toThrow(/secret/);
  });
});

function taskVersion(version: string, code: string, at = 1_000): TaskVersionRecord {
  return {
    project: "p",
    domain: "d",
    taskId: "env.t",
    version,
    envName: "env",
    code,
    definition: "{}",
    createdAt: at,
    deployedAt: at,
  };
}
