// Runs the RunStore conformance suite against SQLite, in memory and on disk, plus what only SQLite
// promises: WAL mode, data that outlives the connection, and a second connection reading the first's writes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/index.js";
import { MIGRATIONS, SCHEMA_VERSION, migrate } from "../src/store/sqlite/schema.js";
import { runStoreConformance } from "./store-conformance.js";
import { actionRecord, runRecord } from "./store-conformance-records.js";

runStoreConformance("sqlite (memory)", async () => openSqliteStore(":memory:"));

let fileDir: string | undefined;
let fileCount = 0;
runStoreConformance(
  "sqlite (file)",
  async () => {
    fileDir ??= await mkdtemp(join(tmpdir(), "flyte-store-conformance-"));
    fileCount += 1;
    return openSqliteStore(join(fileDir, `runs-${fileCount}.db`));
  },
  async () => {
    if (fileDir !== undefined) await rm(fileDir, { recursive: true, force: true });
  },
  async () => openSqliteStore(join(fileDir!, `runs-${fileCount}.db`)),
);

describe("sqlite store on disk", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flyte-sqlite-store-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the parent folder and runs in WAL mode", async () => {
    const store = openSqliteStore(join(dir, "nested", "deeper", "runs.db"));
    try {
      expect(store.database.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(store.database.pragma("synchronous", { simple: true })).toBe(1);
      expect(store.database.pragma("busy_timeout", { simple: true })).toBe(5000);
      expect(store.database.pragma("user_version", { simple: true })).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
    }
  });

  it("keeps data across close and reopen", async () => {
    const path = join(dir, "reopen.db");
    const first = openSqliteStore(path);
    await first.write([
      { op: "run.insert", run: runRecord() },
      { op: "action.insert", action: actionRecord("a0") },
      { op: "action.insert", action: actionRecord("a1") },
    ]);
    await first.close();

    const second = openSqliteStore(path);
    try {
      expect(await second.getRun("run-1")).toStrictEqual(runRecord());
      expect((await second.listActions("run-1")).map((a) => a.name)).toEqual(["a0", "a1"]);
      // Creation order continues after reopen.
      await second.write([{ op: "action.insert", action: actionRecord("a2") }]);
      expect((await second.listActions("run-1")).map((a) => a.name)).toEqual(["a0", "a1", "a2"]);
    } finally {
      await second.close();
    }
  });

  it("lets a second connection read what the first wrote while both are open", async () => {
    const path = join(dir, "shared.db");
    const writer = openSqliteStore(path);
    const reader = openSqliteStore(path);
    try {
      await writer.write([{ op: "run.insert", run: runRecord() }]);
      expect((await reader.getRun("run-1"))?.phase).toBe("queued");
      await writer.write([{ op: "run.transition", transition: { name: "run-1", phase: "running" } }]);
      expect((await reader.getRun("run-1"))?.phase).toBe("running");
      await reader.write([{ op: "run.requestAbort", name: "run-1", reason: "from the CLI" }]);
      expect((await writer.getRun("run-1"))?.abortRequested).toBe("from the CLI");
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it("upgrades a database at the previous schema version, keeping its runs", async () => {
    const path = join(dir, "older.db");
    const old = new Database(path);
    try {
      migrate(old, MIGRATIONS.slice(0, SCHEMA_VERSION - 1));
      old
        .prepare(
          `INSERT INTO runs (name, project, domain, task_name, phase, inputs, labels, created_at)
           VALUES ('old', 'p', 'd', 'env.main', 'succeeded', '[]', '{}', 7)`,
        )
        .run();
    } finally {
      old.close();
    }
    const store = openSqliteStore(path);
    try {
      expect(store.database.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      expect((await store.listRuns({ project: "p", domain: "d", taskName: "env.main" })).map((r) => r.name)).toEqual([
        "old",
      ]);
      const version = {
        project: "p",
        domain: "d",
        taskId: "env.t",
        version: "v1",
        envName: "env",
        code: "c1",
        definition: "{}",
        createdAt: 1,
        deployedAt: 1,
      };
      expect(await store.registerTaskVersions([version])).toStrictEqual({ created: ["env.t"], redeployed: [] });
      expect(await store.getTaskVersion("p", "d", "env.t")).toStrictEqual(version);
    } finally {
      await store.close();
    }
  });

  it("refuses a database written by a newer schema version", async () => {
    const path = join(dir, "newer.db");
    const store = openSqliteStore(path);
    store.database.pragma("user_version = 999");
    await store.close();
    expect(() => openSqliteStore(path)).toThrow(/schema version 999/);
  });
});
