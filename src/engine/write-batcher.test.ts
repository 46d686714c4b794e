import { describe, expect, it } from "vitest";
import type { RunStore, WriteOp } from "../store/index.js";
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
});
