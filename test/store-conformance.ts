// The RunStore conformance suite: every implementation (SQLite now, PostgreSQL later) calls
// runStoreConformance() from its own test file with a factory for a fresh, empty store. Only the RunStore
// interface is used here, never a database specific, so the same tests hold every implementation to one contract.
// Parts: runs, batches, logs, reports, errors and close here; actions, cache and tasks in store-conformance-*.ts.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreInUseError } from "../src/errors/index.js";
import type { ActionPhase, LogRecord, RunRecord, RunStore, WriteOp } from "../src/store/index.js";
import { storeActionConformance } from "./store-conformance-actions.js";
import { storeCacheConformance } from "./store-conformance-cache.js";
import { storeTaskConformance } from "./store-conformance-tasks.js";
import {
  NESTED_ERROR,
  RUN,
  actionRecord,
  attemptRecord,
  cacheEntry,
  logRecord,
  reportRecord,
  runRecord,
  type StoreFixture,
} from "./store-conformance-records.js";

/**
 * `open` gives a fresh, empty store; `reopen`, when the store can be shared, another store object on the database
 * the last `open` gave (a private in-memory database cannot be).
 */
export function runStoreConformance(
  label: string,
  open: () => Promise<RunStore>,
  cleanup?: () => Promise<void>,
  reopen?: () => Promise<RunStore>,
): void {
  describe(label, () => {
    const fx = {} as StoreFixture;
    const write = (...ops: WriteOp[]): Promise<void> => fx.store.write(ops);

    beforeEach(async () => {
      fx.store = await open();
    });
    afterEach(async () => {
      await fx.store.close();
    });
    if (cleanup !== undefined) afterAll(cleanup);

    describe("runs", () => {
      it("stores a batch written with durability 'visible' exactly like a durable one", async () => {
        await fx.store.write([{ op: "run.insert", run: runRecord() }], "visible");
        await fx.store.write([{ op: "action.insert", action: actionRecord("a1") }], "visible");
        expect((await fx.store.getRun(RUN))?.name).toBe(RUN);
        expect((await fx.store.getAction(RUN, "a1"))?.name).toBe("a1");
      });

      it("inserts and reads a run; an unknown run is undefined", async () => {
        const run = runRecord({ labels: { team: "ml", "a b": "ü" } });
        await write({ op: "run.insert", run });
        expect(await fx.store.getRun(RUN)).toStrictEqual(run);
        expect(await fx.store.getRun("nope")).toBeUndefined();
      });

      it("rejects a second run with the same name", async () => {
        await write({ op: "run.insert", run: runRecord() });
        await expect(write({ op: "run.insert", run: runRecord({ taskName: "other" }) })).rejects.toThrow();
        expect((await fx.store.getRun(RUN))?.taskName).toBe("env.main");
      });

      it("transitions a run: undefined keeps a field, null clears it", async () => {
        await write({ op: "run.insert", run: runRecord() });
        await write({
          op: "run.transition",
          transition: { name: RUN, phase: "failed", endedAt: 5_000, outputs: "[3]", error: NESTED_ERROR },
        });
        expect(await fx.store.getRun(RUN)).toStrictEqual(
          runRecord({ phase: "failed", endedAt: 5_000, outputs: "[3]", error: NESTED_ERROR }),
        );
        await write({ op: "run.transition", transition: { name: RUN, phase: "succeeded", error: null } });
        expect(await fx.store.getRun(RUN)).toStrictEqual(
          runRecord({ phase: "succeeded", endedAt: 5_000, outputs: "[3]", error: null }),
        );
        await write({ op: "run.transition", transition: { name: RUN, phase: "succeeded", endedAt: null, outputs: null } });
        expect(await fx.store.getRun(RUN)).toStrictEqual(runRecord({ phase: "succeeded" }));
      });

      it("records an abort request", async () => {
        await write({ op: "run.insert", run: runRecord() });
        await write({ op: "run.requestAbort", name: RUN, reason: "stopped by alice" });
        expect((await fx.store.getRun(RUN))?.abortRequested).toBe("stopped by alice");
      });

      it("rejects a transition or abort of an unknown run", async () => {
        await expect(write({ op: "run.transition", transition: { name: "nope", phase: "running" } })).rejects.toThrow();
        await expect(write({ op: "run.requestAbort", name: "nope", reason: "x" })).rejects.toThrow();
      });

      it("lists runs newest first, with limit, offset and a phase filter", async () => {
        const phases: ActionPhase[] = ["succeeded", "running", "failed", "running", "succeeded"];
        // Inserted out of time order; r3 and r4 share a timestamp, so insertion order breaks the tie.
        const created = [3_000, 1_000, 5_000, 5_000, 2_000];
        await fx.store.write(
          phases.map((phase, i) => ({
            op: "run.insert" as const,
            run: runRecord({ name: `r${i}`, phase, createdAt: created[i] ?? 0 }),
          })),
        );
        const names = (runs: RunRecord[]): string[] => runs.map((r) => r.name);
        expect(names(await fx.store.listRuns())).toEqual(["r3", "r2", "r0", "r4", "r1"]);
        expect(names(await fx.store.listRuns({ limit: 2 }))).toEqual(["r3", "r2"]);
        expect(names(await fx.store.listRuns({ limit: 2, offset: 2 }))).toEqual(["r0", "r4"]);
        expect(names(await fx.store.listRuns({ offset: 4 }))).toEqual(["r1"]);
        expect(names(await fx.store.listRuns({ phase: "running" }))).toEqual(["r3", "r1"]);
        expect(names(await fx.store.listRuns({ phase: "succeeded", limit: 1, offset: 1 }))).toEqual(["r4"]);
        expect(await fx.store.listRuns({ phase: "aborted" })).toEqual([]);
      });

      it("filters runs by project, domain, root task and phase combined, keeping the order", async () => {
        const runs: [string, string, string, ActionPhase, number][] = [
          ["p1", "dev", "env.a", "running", 1_000],
          ["p1", "dev", "env.b", "running", 2_000],
          ["p1", "prod", "env.a", "running", 3_000],
          ["p2", "dev", "env.a", "running", 4_000],
          ["p1", "dev", "env.a", "succeeded", 5_000],
          ["p1", "dev", "env.a", "running", 5_000],
        ];
        await fx.store.write(
          runs.map(([project, domain, taskName, phase, createdAt], i) => ({
            op: "run.insert" as const,
            run: runRecord({ name: `r${i}`, project, domain, taskName, phase, createdAt }),
          })),
        );
        const names = async (query: Parameters<RunStore["listRuns"]>[0]): Promise<string[]> =>
          (await fx.store.listRuns(query)).map((r) => r.name);
        expect(await names({ project: "p1" })).toEqual(["r5", "r4", "r2", "r1", "r0"]);
        expect(await names({ project: "p1", domain: "dev" })).toEqual(["r5", "r4", "r1", "r0"]);
        expect(await names({ project: "p1", domain: "dev", taskName: "env.a" })).toEqual(["r5", "r4", "r0"]);
        expect(await names({ project: "p1", domain: "dev", taskName: "env.a", phase: "running" })).toEqual(["r5", "r0"]);
        expect(await names({ project: "p1", domain: "dev", taskName: "env.a", phase: "running", limit: 1, offset: 1 })).toEqual([
          "r0",
        ]);
        expect(await names({ taskName: "env.a" })).toEqual(["r5", "r4", "r3", "r2", "r0"]);
        expect(await names({ domain: "dev", phase: "running" })).toEqual(["r5", "r3", "r1", "r0"]);
        expect(await names({ project: "p2", domain: "prod" })).toEqual([]);
        expect(await names({ project: "nope" })).toEqual([]);
      });
    });

    storeActionConformance(fx);

    describe("batches", () => {
      it("applies ops in order within a batch", async () => {
        await write(
          { op: "run.insert", run: runRecord() },
          { op: "action.insert", action: actionRecord("a0") },
          { op: "action.transition", transition: { runName: RUN, name: "a0", phase: "running", attempt: 1 } },
          { op: "run.transition", transition: { name: RUN, phase: "running" } },
          { op: "cache.put", entry: cacheEntry("k1") },
          { op: "cache.delete", key: "k1" },
          { op: "cache.put", entry: cacheEntry("k2") },
        );
        expect((await fx.store.getAction(RUN, "a0"))?.phase).toBe("running");
        expect((await fx.store.getRun(RUN))?.phase).toBe("running");
        expect([...(await fx.store.getCacheEntries(["k1", "k2"])).keys()]).toEqual(["k2"]);
      });

      it("accepts an empty batch", async () => {
        await expect(fx.store.write([])).resolves.toBeUndefined();
      });

      it("stores nothing of a batch whose last op fails (duplicate attempt)", async () => {
        await write(
          { op: "run.insert", run: runRecord() },
          { op: "action.insert", action: actionRecord("a0") },
          { op: "attempt.insert", attempt: attemptRecord("a0", 1) },
        );
        const failing: WriteOp[] = [
          { op: "run.insert", run: runRecord({ name: "run-2" }) },
          { op: "run.transition", transition: { name: RUN, phase: "failed", endedAt: 9 } },
          { op: "run.requestAbort", name: RUN, reason: "x" },
          { op: "action.insert", action: actionRecord("a1") },
          { op: "action.transition", transition: { runName: RUN, name: "a0", phase: "failed", attempt: 2 } },
          { op: "cache.put", entry: cacheEntry("k1") },
          { op: "log.append", record: logRecord("a0", 1, "never") },
          { op: "report.put", report: reportRecord("a0", 1, "<p>never</p>") },
          { op: "attempt.insert", attempt: attemptRecord("a0", 2) },
          { op: "attempt.insert", attempt: attemptRecord("a0", 1, { phase: "succeeded" }) },
        ];
        await expect(fx.store.write(failing)).rejects.toThrow();
        expect(await fx.store.getRun("run-2")).toBeUndefined();
        expect(await fx.store.getRun(RUN)).toStrictEqual(runRecord());
        expect((await fx.store.listActions(RUN)).map((a) => a.name)).toEqual(["a0"]);
        expect(await fx.store.getAction(RUN, "a0")).toStrictEqual(actionRecord("a0"));
        expect((await fx.store.getCacheEntries(["k1"])).size).toBe(0);
        expect(await fx.store.getLogs(RUN)).toEqual([]);
        expect(await fx.store.getReport(RUN, "a0")).toBeUndefined();
        expect(await fx.store.listAttempts(RUN)).toStrictEqual([attemptRecord("a0", 1)]);
      });

      it("stores nothing of a batch whose last op inserts an existing run", async () => {
        await write({ op: "run.insert", run: runRecord() });
        await expect(
          write(
            { op: "run.transition", transition: { name: RUN, phase: "running" } },
            { op: "action.insert", action: actionRecord("a0") },
            { op: "run.insert", run: runRecord() },
          ),
        ).rejects.toThrow();
        expect((await fx.store.getRun(RUN))?.phase).toBe("queued");
        expect(await fx.store.listActions(RUN)).toEqual([]);
        // The store is still usable after a failed batch.
        await write({ op: "action.insert", action: actionRecord("a0") });
        expect((await fx.store.listActions(RUN)).length).toBe(1);
      });
    });

    storeCacheConformance(fx);
    storeTaskConformance(fx);

    describe("logs and reports", () => {
      it("returns logs in write order, filtered by action and attempt", async () => {
        const logs = [
          logRecord("a0", 1, "start", "stdout", 5),
          logRecord("a1", 1, "child 1", "stderr", 3),
          logRecord("a0", 1, "same ms", "stdout", 5),
          logRecord("a1", 2, "child 2", "stdout", 1),
          logRecord("a0", 2, "retry", "stderr", 9),
          logRecord("a0", 1, "other run", "stdout", 5, "run-2"),
        ];
        await fx.store.write(logs.map((record) => ({ op: "log.append" as const, record })));
        const text = (records: LogRecord[]): string[] => records.map((l) => l.text);
        expect(await fx.store.getLogs(RUN)).toStrictEqual(logs.slice(0, 5));
        expect(text(await fx.store.getLogs(RUN, "a0"))).toEqual(["start", "same ms", "retry"]);
        expect(text(await fx.store.getLogs(RUN, "a0", 1))).toEqual(["start", "same ms"]);
        expect(text(await fx.store.getLogs(RUN, "a1", 2))).toEqual(["child 2"]);
        expect(text(await fx.store.getLogs(RUN, "a1", 3))).toEqual([]);
        expect(text(await fx.store.getLogs("run-2"))).toEqual(["other run"]);
        expect(await fx.store.getLogs("nope")).toEqual([]);
      });

      it("keeps one report per attempt and returns the latest attempt's", async () => {
        await write(
          { op: "report.put", report: reportRecord("a1", 2, "<p>second</p>", 20) },
          { op: "report.put", report: reportRecord("a1", 1, "<p>first</p>", 10) },
        );
        expect(await fx.store.getReport(RUN, "a1")).toStrictEqual(reportRecord("a1", 2, "<p>second</p>", 20));
        const updated = reportRecord("a1", 2, "<p>second, updated</p>", 30);
        await write({ op: "report.put", report: updated });
        expect(await fx.store.getReport(RUN, "a1")).toStrictEqual(updated);
        expect(await fx.store.getReport(RUN, "a0")).toBeUndefined();
      });
    });

    describe("errors", () => {
      it("round-trips an ErrorRecord with nested causes, leaving absent fields absent", async () => {
        await write(
          { op: "run.insert", run: runRecord({ error: NESTED_ERROR }) },
          { op: "action.insert", action: actionRecord("a0", { error: NESTED_ERROR }) },
          { op: "attempt.insert", attempt: attemptRecord("a0", 1, { error: NESTED_ERROR }) },
        );
        const stored = [
          (await fx.store.getRun(RUN))?.error,
          (await fx.store.getAction(RUN, "a0"))?.error,
          (await fx.store.listAttempts(RUN, "a0"))[0]?.error,
        ];
        for (const error of stored) {
          expect(error).toStrictEqual(NESTED_ERROR);
          expect(Object.keys(error?.cause ?? {})).not.toContain("stack");
        }
      });
    });

    describe("server claim", () => {
      it("is harmless to claim twice", async () => {
        await fx.store.claimServer("server A");
        await expect(fx.store.claimServer("server A")).resolves.toBeUndefined();
      });

      it.runIf(reopen !== undefined)("refuses a second store on the same database, naming the holder, until the first closes", async () => {
        await fx.store.claimServer("flyte server A");
        const second = await reopen!();
        try {
          const refused = await second.claimServer("flyte server B").then(() => undefined, (error: unknown) => error);
          expect(refused).toBeInstanceOf(StoreInUseError);
          expect((refused as Error).message).toContain("flyte server A");
          // Refused as a server, still a working store.
          await write({ op: "run.insert", run: runRecord() });
          expect((await second.getRun(RUN))?.name).toBe(RUN);
          await fx.store.close();
          await expect(second.claimServer("flyte server B")).resolves.toBeUndefined();
          // The claim takes no connection the store needs (a PostgreSQL pool may have a single one).
          expect((await second.getRun(RUN))?.name).toBe(RUN);
        } finally {
          await second.close();
        }
      });

      it("leaves other databases alone", async () => {
        await fx.store.claimServer("flyte server A");
        const other = await open();
        try {
          await expect(other.claimServer("flyte server B")).resolves.toBeUndefined();
        } finally {
          await other.close();
        }
      });
    });

    describe("close", () => {
      it("rejects calls after close; closing twice is harmless", async () => {
        await write({ op: "run.insert", run: runRecord() });
        await fx.store.close();
        await expect(fx.store.close()).resolves.toBeUndefined();
        await expect(fx.store.getRun(RUN)).rejects.toThrow(/closed/);
        await expect(fx.store.write([{ op: "run.insert", run: runRecord({ name: "r2" }) }])).rejects.toThrow(/closed/);
        await expect(fx.store.listActions(RUN)).rejects.toThrow(/closed/);
        await expect(fx.store.reserveCache("k", "o", 1, 0)).rejects.toThrow(/closed/);
      });
    });
  });
}
