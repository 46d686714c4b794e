// Background checkpoints of a SQLite run store: a worker thread copies the log back into the database file, so
// that no commit on the store's own connection (which never checkpoints then) waits for it; closing the store
// stops the thread, and a thread that ends on its own says so. By default SQLite's automatic checkpoints stay,
// which the same writes do not trigger.
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore, type RunStore } from "../src/store/index.js";
import { WalCheckpointer } from "../src/store/sqlite/wal-checkpointer.js";
import { runRecord } from "./store-conformance-records.js";
import { tempDir } from "./support/local-dir.js";
import { until } from "./support/process.js";

const dir = tempDir("flyte-checkpoints-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** About 600 KB of runs: far below the automatic checkpoint's threshold. */
async function writeRuns(store: RunStore): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await store.write(Array.from({ length: 50 }, (_, j) => ({ op: "run.insert" as const, run: runRecord({ name: `r${i}-${j}`, inputs: "x".repeat(500) }) })));
  }
}

describe("SQLite checkpoints", () => {
  it("are made by a worker thread when asked for, which stops when the store closes", async () => {
    const file = path.join(dir, "background.db");
    const store = openSqliteStore(file, { checkpoints: "background" });
    const before = statSync(file).size;
    await writeRuns(store);
    await until("a background checkpoint", () => (statSync(file).size > before + 200_000 ? true : undefined), 20_000);
    expect((await store.getRun("r19-49"))?.inputs).toBe("x".repeat(500));
    await store.close();
  });

  it("are left to SQLite by default, which these writes do not trigger: the log keeps them", async () => {
    const file = path.join(dir, "inline.db");
    const store = openSqliteStore(file);
    const before = statSync(file).size;
    await writeRuns(store);
    expect(statSync(file).size).toBe(before);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(200_000);
    await store.close();
  });
});

describe("WalCheckpointer", () => {
  it("says so when its thread ends on its own, e.g. because it cannot open the database", async () => {
    const errors: string[] = [];
    let stopped!: () => void;
    const ended = new Promise<void>((resolve) => (stopped = resolve));
    const checkpointer = new WalCheckpointer(path.join(dir, "no-such-folder", "x.db"), { busyTimeoutMs: 100, onError: (m) => errors.push(m), onStopped: stopped });
    await ended;
    expect(errors.join("\n")).toMatch(/directory does not exist|unable to open/);
    await checkpointer.close();
  });
});
