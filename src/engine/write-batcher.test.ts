import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqliteStore, type ActionRecord, type RunRecord, type RunStore, type WriteDurability, type WriteOp } from "../store/index.js";
import { WriteBatcher, type DurabilityPolicy } from "./write-batcher.js";

function recordingStore(fail?: (ops: readonly WriteOp[]) => boolean): { store: RunStore; batches: WriteOp[][] } {
  const batches: WriteOp[][] = [];
  const store = {
    async write(ops: readonly WriteOp[]) {
      if (fail?.(ops)) throw new Error("disk full");
      batches.push([...ops]);
    },
  } as unknown as RunStore;
  return { store, batches };
}

const op = (name: string): WriteOp => ({ op: "run.requestAbort", name, reason: "x" });

afterEach(() => {
  vi.useRealTimers();
});

describe("WriteBatcher", () => {
  it("commits every write of one event-loop turn in one batch, in order, and resolves after the commit", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const done = [batcher.write(op("a")), batcher.write(op("b"), op("c"))];
    batcher.enqueue(op("d"));
    expect(batches).toEqual([]);
    await Promise.all(done);
    expect(batches.map((b) => b.map((o) => (o as { name: string }).name))).toEqual([["a", "b", "c", "d"]]);
  });

  it("splits batches at maxOps and keeps their order", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store, { maxOps: 2 });
    await Promise.all(["a", "b", "c", "d", "e"].map((n) => batcher.write(op(n))));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat().map((o) => (o as { name: string }).name)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("rejects the writers of a failed batch, and flush() reports a failure nobody awaited", async () => {
    const { store } = recordingStore((ops) => ops.some((o) => (o as { name: string }).name === "bad"));
    const batcher = new WriteBatcher(store);
    await expect(batcher.write(op("bad"))).rejects.toThrow("disk full");
    batcher.enqueue(op("bad"));
    await expect(batcher.flush()).rejects.toThrow("disk full");
    await expect(batcher.write(op("good"))).resolves.toBeUndefined();
  });

  it("flush() waits for queued writes", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    batcher.enqueue(op("a"));
    await batcher.flush();
    expect(batches).toHaveLength(1);
  });

  it("shows every queued op to observers until they are removed", async () => {
    const { store } = recordingStore();
    const batcher = new WriteBatcher(store);
    const seen: string[] = [];
    const stop = batcher.observe((o) => seen.push((o as { name: string }).name));
    batcher.enqueue(op("a"));
    await batcher.write(op("b"), op("c"));
    stop();
    await batcher.write(op("d"));
    expect(seen).toEqual(["a", "b", "c"]);
  });

  it("under the runs policy, writes durably only what creates, ends or aborts a run, or deletes a cache entry", async () => {
    const { batcher, durabilities } = durabilityRecorder();
    const batches: WriteOp[][] = [
      [childStart("c1"), move("running"), log], // a child starting, and its console output
      [move("succeeded"), attempt, cachePut], // a child's outcome and its cache entry
      [childStart("c2", "succeeded")], // a cache hit recorded as a finished child
      [{ op: "run.insert", run: runRecord }, rootStart], // a client is told the run exists
      [move("running"), { op: "run.transition", transition: { name: "r", phase: "succeeded", endedAt: 1, outputs: "1" } }],
      [op("abort")],
      [{ op: "cache.delete", key: "k" }],
    ];
    for (const ops of batches) await batcher.write(...ops);
    expect(durabilities).toEqual(["visible", "visible", "visible", "durable", "durable", "durable", "durable"]);
  });

  it("under the full policy, writes every batch durably", async () => {
    const { batcher, durabilities } = durabilityRecorder("full");
    await batcher.write(childStart("c1"));
    await batcher.write(move("succeeded"), attempt);
    expect(durabilities).toEqual(["durable", "durable"]);
  });

  it("progress() lets a writer go on before the commit under runs, and waits for it under full", async () => {
    for (const durability of ["runs", "full"] as const) {
      let release!: () => void;
      const committing = new Promise<void>((resolve) => (release = resolve));
      const store = { write: () => committing } as unknown as RunStore;
      const batcher = new WriteBatcher(store, { durability });
      let settled = false;
      const waited = batcher.progress(batcher.write(op("outcome"))).then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled, durability).toBe(durability === "runs");
      release();
      await waited;
      await batcher.flush();
    }
  });

  it("writeProgress: under runs the steps of a chain share a commit; under full each step waits for its own", async () => {
    const names = (batches: WriteOp[][]) => batches.map((b) => b.map((o) => (o as { name: string }).name));
    const runs = recordingStore();
    const behind = new WriteBatcher(runs.store);
    for (const step of ["s1", "s2", "s3"]) await behind.writeProgress(op(step));
    expect(runs.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 30)); // past LINGER_MS
    expect(names(runs.batches)).toEqual([["s1", "s2", "s3"]]);
    const full = recordingStore();
    const waiting = new WriteBatcher(full.store, { durability: "full" });
    for (const step of ["s1", "s2", "s3"]) await waiting.writeProgress(op(step));
    expect(names(full.batches)).toEqual([["s1"], ["s2"], ["s3"]]);
  });

  it("after a failed commit refuses its runs' later writes, even those already queued behind it, and no other run's", async () => {
    const names = (ops: readonly WriteOp[]) => ops.map((o) => (o as { name: string }).name);
    const batches: string[][] = [];
    const store = {
      async write(ops: readonly WriteOp[]) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (names(ops).includes("r1")) throw new Error("disk full");
        batches.push(names(ops));
      },
    } as unknown as RunStore;
    const batcher = new WriteBatcher(store);
    const lost = batcher.write(op("r1"), op("r2"));
    await new Promise((resolve) => setImmediate(resolve));
    const behind = batcher.write(op("r2"), op("r3")); // queued while the failing batch commits
    await expect(lost).rejects.toThrow("disk full");
    await expect(behind).rejects.toThrow(/a write of run r2 failed to commit \(disk full\).*refused.*resume the run/);
    await expect(batcher.write(op("r3"))).rejects.toThrow(/run r3 failed to commit \(disk full\)/);
    await expect(batcher.write(op("r1"))).rejects.toThrow(/run r1 failed to commit/);
    batcher.enqueue(op("r2")); // a log line nobody awaits: refused without an unhandled rejection
    await expect(batcher.write(op("r4"))).resolves.toBeUndefined();
    batcher.forgetFailure("r2");
    await expect(batcher.write(op("r2"))).resolves.toBeUndefined();
    expect(batches).toEqual([["r4"], ["r2"]]);
    await expect(batcher.flush()).rejects.toThrow("disk full");
  });

  it("commits a start record written soon together with an outcome written within LINGER_MS", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const started = batcher.writeSoon(op("start"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]);
    await batcher.write(op("outcome"));
    await started;
    expect(batches.map((b) => b.map((o) => (o as { name: string }).name))).toEqual([["start", "outcome"]]);
  });

  it("commits writes nobody waits for on their own after LINGER_MS, and at once on flush()", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const soon = batcher.writeSoon(op("a"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toHaveLength(0);
    await soon;
    expect(batches).toHaveLength(1);
    batcher.enqueue(op("log"));
    await batcher.flush();
    expect(batches).toHaveLength(2);
  });

  it("flush() also commits what is queued while it flushes", async () => {
    const batches: string[][] = [];
    const store = {
      async write(ops: readonly WriteOp[]) {
        batches.push(ops.map((o) => (o as { name: string }).name));
        // A log line arriving during the commit: it must not be left lingering behind flush().
        if (batches.length === 1) batcher.enqueue(op("late"));
      },
    } as unknown as RunStore;
    const batcher = new WriteBatcher(store);
    batcher.enqueue(op("first"));
    await batcher.flush();
    expect(batches).toEqual([["first"], ["late"]]);
  });

  it("gives each batch that lingers its own LINGER_MS, not what is left of an earlier batch's wait", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const names = (): string[][] => batches.map((b) => b.map((o) => (o as { name: string }).name));
    void batcher.writeSoon(op("a"));
    await batcher.write(op("b"));
    expect(names()).toEqual([["a", "b"]]);
    await vi.advanceTimersByTimeAsync(3);
    void batcher.writeSoon(op("c"));
    // The first batch's wait would have ended by now.
    await vi.advanceTimersByTimeAsync(4);
    expect(names()).toEqual([["a", "b"]]);
    await vi.advanceTimersByTimeAsync(2);
    expect(names()).toEqual([["a", "b"], ["c"]]);
  });

  it("committed() is a barrier that commits nothing of its own, hurries writes that linger and ignores failures", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { store, batches } = recordingStore((ops) => ops.some((o) => (o as { name: string }).name === "bad"));
    const batcher = new WriteBatcher(store);
    await batcher.committed();
    expect(batches).toEqual([]);
    void batcher.writeSoon(op("a"));
    let passed = false;
    void batcher.committed().then(() => (passed = true));
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(passed).toBe(true);
    const bad = batcher.write(op("bad"));
    await expect(batcher.committed()).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow("disk full");
    expect(batches).toHaveLength(1);
  });

  it("commits a full batch at once even when nobody waits for it", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store, { maxOps: 2 });
    const soon = Promise.all([batcher.writeSoon(op("a")), batcher.writeSoon(op("b")), batcher.writeSoon(op("c"))]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches.map((b) => b.length)).toEqual([2]);
    await soon;
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
  });

  it("keeps writes queued during a commit in order behind it", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const first = batcher.write(op("a"));
    await new Promise((resolve) => setImmediate(resolve));
    const late = [batcher.writeSoon(op("b")), batcher.write(op("c"))];
    await Promise.all([first, ...late]);
    expect(batches.flat().map((o) => (o as { name: string }).name)).toEqual(["a", "b", "c"]);
  });

  it("folds a transition into the insert of its row queued in the same batch, keeping fields it does not set", async () => {
    const { store, batches } = recordingStore();
    const batcher = new WriteBatcher(store);
    const started = batcher.writeSoon({ op: "run.insert", run: runRecord }, childStart("c1"), log);
    await batcher.write(
      { op: "action.transition", transition: { runName: "r", name: "c1", phase: "succeeded", attempt: 1, endedAt: 9, outputs: "2" } },
      attempt,
      { op: "run.transition", transition: { name: "r", phase: "succeeded", endedAt: 10, outputs: "2" } },
    );
    await started;
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((o) => o.op)).toEqual(["run.insert", "action.insert", "log.append", "attempt.insert"]);
    expect(batches[0]![0]).toEqual({ op: "run.insert", run: { ...runRecord, phase: "succeeded", endedAt: 10, outputs: "2" } });
    const folded = (batches[0]![1] as Extract<WriteOp, { op: "action.insert" }>).action;
    expect(folded).toMatchObject({ name: "c1", phase: "succeeded", endedAt: 9, outputs: "2", startedAt: null, inputs: "[]" });
    // A transition in a later batch stays a transition.
    await batcher.write(move("failed"));
    expect(batches[1]).toEqual([move("failed")]);
  });

  it("stores the same rows with and without folding (SQLite)", async () => {
    const rows = async (together: boolean) => {
      const store = openSqliteStore(":memory:");
      const batcher = new WriteBatcher(store);
      const ops: WriteOp[] = [{ op: "run.insert", run: runRecord }, childStart("c1"), move("succeeded"), attempt, { op: "run.transition", transition: { name: "r", phase: "failed", endedAt: 5, error: null } }];
      if (together) await batcher.write(...ops);
      else for (const o of ops) await batcher.write(o);
      const result = { run: await store.getRun("r"), actions: await store.listActions("r") };
      await store.close();
      return result;
    };
    expect(await rows(true)).toEqual(await rows(false));
  });
});

function durabilityRecorder(durability?: DurabilityPolicy) {
  const durabilities: WriteDurability[] = [];
  const store = {
    write(_ops: readonly WriteOp[], written: WriteDurability = "durable") {
      durabilities.push(written);
      return Promise.resolve();
    },
  } as unknown as RunStore;
  return { batcher: new WriteBatcher(store, { durability }), durabilities };
}

const action = (name: string, parentName: string | null, phase: ActionRecord["phase"]): WriteOp => ({
  op: "action.insert",
  action: { runName: "r", name, parentName, type: "task", taskName: "e.t", group: null, seq: 0, phase, attempt: 1, inputs: "[]", outputs: null, error: null, cacheKey: null, cacheStatus: "disabled", createdAt: 0, startedAt: null, endedAt: null },
});
const childStart = (name: string, phase: ActionRecord["phase"] = "running"): WriteOp => action(name, "a0", phase);
const rootStart = action("a0", null, "running");
const move = (phase: ActionRecord["phase"]): WriteOp => ({ op: "action.transition", transition: { runName: "r", name: "c1", phase, attempt: 1 } });
const log: WriteOp = { op: "log.append", record: { runName: "r", actionName: "c1", attempt: 1, stream: "stdout", ts: 0, text: "x" } };
const attempt: WriteOp = { op: "attempt.insert", attempt: { runName: "r", actionName: "c1", attempt: 1, phase: "succeeded", startedAt: 0, endedAt: 1, error: null } };
const cachePut: WriteOp = { op: "cache.put", entry: { key: "k", taskName: "e.t", outputs: "1", createdAt: 0, runName: "r", actionName: "c1" } };
const runRecord: RunRecord = { name: "r", project: "p", domain: "d", taskName: "e.t", phase: "running", inputs: "[]", outputs: null, error: null, labels: {}, createdAt: 0, endedAt: null, abortRequested: null };
