import { describe, expect, it } from "vitest";
import type { ActionRecord, RunStore, WriteDurability, WriteOp } from "../store/index.js";
import { WriteBatcher } from "./write-batcher.js";

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
    const batcher = new WriteBatcher(store, 2);
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

  it("writes a batch 'visible' only when losing it can only make work run again", async () => {
    const durabilities: WriteDurability[] = [];
    const store = {
      write(_ops: readonly WriteOp[], durability: WriteDurability = "durable") {
        durabilities.push(durability);
        return Promise.resolve();
      },
    } as unknown as RunStore;
    const batcher = new WriteBatcher(store);
    const action = (name: string, parentName: string | null, phase: ActionRecord["phase"] = "queued"): WriteOp => ({
      op: "action.insert",
      action: { runName: "r", name, parentName, type: "task", taskName: "e.t", group: null, seq: 0, phase, attempt: 1, inputs: "[]", outputs: null, error: null, cacheKey: null, cacheStatus: "disabled", createdAt: 0, startedAt: null, endedAt: null },
    });
    const move = (phase: ActionRecord["phase"]): WriteOp => ({ op: "action.transition", transition: { runName: "r", name: "c1", phase, attempt: 1 } });
    const log: WriteOp = { op: "log.append", record: { runName: "r", actionName: "c1", attempt: 1, stream: "stdout", ts: 0, text: "x" } };
    const batches: WriteOp[][] = [
      [action("c1", "a0"), move("running"), log], // a child starting, and its console output: visible
      [move("succeeded")], // a result: durable
      [action("a0", null)], // a root action comes with a run a client was told about: durable
      [action("c2", "a0", "succeeded")], // a cache hit recorded as a finished child: durable
      [action("c3", "a0"), move("failed")], // one durable op makes the whole batch durable
      [op("abort")], // anything else: durable
    ];
    for (const ops of batches) await batcher.write(...ops);
    expect(durabilities).toEqual(["visible", "durable", "durable", "durable", "durable", "durable"]);
  });
});
