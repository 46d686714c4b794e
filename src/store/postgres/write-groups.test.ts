// groupOps must give the same result as applying ops one by one: checked on hand-made batches and, as a property,
// on random interleavings of ops on a few rows (per-row order kept, identity order kept, distinct rows per group);
// segmentGroups must never put two groups that write one row into one run.
import { describe, expect, it } from "vitest";
import type { ActionPhase, WriteOp } from "../types.js";
import { actionRecord } from "../../../test/store-conformance-records.js";
import { groupOps, segmentGroups, type OpGroup } from "./write-groups.js";

const insert = (name: string, runName = "r"): WriteOp => ({
  op: "action.insert",
  action: actionRecord(name, { runName, parentName: null, taskName: "env.t", createdAt: 0 }),
});
const move = (name: string, phase: ActionPhase = "running"): WriteOp => ({
  op: "action.transition",
  transition: { runName: "r", name, phase, attempt: 1 },
});
const attempt = (name: string, n = 1): WriteOp => ({
  op: "attempt.insert",
  attempt: { runName: "r", actionName: name, attempt: n, phase: "failed", startedAt: 0, endedAt: 1, error: null },
});
const log = (text: string): WriteOp => ({
  op: "log.append",
  record: { runName: "r", actionName: "a", attempt: 1, stream: "stdout", ts: 0, text },
});
const put = (key: string): WriteOp => ({
  op: "cache.put",
  entry: { key, taskName: "t", outputs: "1", createdAt: 0, runName: "r", actionName: "a" },
});
const del = (key: string): WriteOp => ({ op: "cache.delete", key });

const shape = (groups: OpGroup[]): string[] => groups.map((g) => `${g.kind}×${g.ops.length}`);

/** A label naming an op's row, for comparing orders. */
function row(op: WriteOp): string {
  switch (op.op) {
    case "action.insert":
      return `action ${op.action.runName}/${op.action.name}`;
    case "action.transition":
      return `action ${op.transition.runName}/${op.transition.name}`;
    case "attempt.insert":
      return `attempt ${op.attempt.actionName}#${op.attempt.attempt}`;
    case "cache.put":
      return `cache ${op.entry.key}`;
    case "cache.delete":
      return `cache ${op.key}`;
    case "log.append":
      return "log";
    default:
      return op.op;
  }
}

describe("groupOps", () => {
  it("collapses many actions' interleaved insert, transitions, attempt and log into one group per step", () => {
    const ops: WriteOp[] = [];
    for (let i = 0; i < 100; i++) {
      ops.push(insert(`a${i}`), move(`a${i}`), attempt(`a${i}`), log(`l${i}`), move(`a${i}`, "succeeded"));
    }
    expect(shape(groupOps(ops))).toEqual([
      "action.insert×100",
      "action.transition×100",
      "attempt.insert×100",
      "log.append×100",
      "action.transition×100",
    ]);
  });

  it("starts a new group when a row comes back, so the later op on it wins; other rows join the earliest", () => {
    const ops = [put("k"), del("k"), put("k"), put("j")];
    const groups = groupOps(ops);
    expect(shape(groups)).toEqual(["cache.put×2", "cache.delete×1", "cache.put×1"]);
    expect(groups[0]?.ops[1]).toBe(ops[3]);
    expect(groups[2]?.ops[0]).toBe(ops[2]);
  });

  it("keeps inserts that take an identity in batch order", () => {
    // a1 cannot join the first insert group ahead of a0's re-insert without changing creation order.
    const groups = groupOps([insert("a0"), move("a0"), insert("a0"), insert("a1")]);
    expect(shape(groups)).toEqual(["action.insert×1", "action.transition×1", "action.insert×2"]);
  });

  it("puts groups that write different rows in one run, and starts a run at a group that needs an earlier one", () => {
    const outcome = [move("a1", "succeeded"), attempt("a1"), log("done")];
    expect(segmentGroups(groupOps(outcome)).map(shape)).toEqual([
      ["action.transition×1", "attempt.insert×1", "log.append×1"],
    ]);
    // The transition must see the insert; the attempt (another table) may run beside either.
    expect(segmentGroups(groupOps([insert("a1"), attempt("a1"), move("a1")])).map(shape)).toEqual([
      ["action.insert×1", "attempt.insert×1"],
      ["action.transition×1"],
    ]);
    expect(segmentGroups(groupOps([put("k"), del("k"), put("k")])).map(shape)).toEqual([
      ["cache.put×1"],
      ["cache.delete×1"],
      ["cache.put×1"],
    ]);
    expect(segmentGroups([])).toEqual([]);
  });

  it("keeps each row's order, identity order and distinct rows per group and run on random batches", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const makers = [
      () => insert(`a${random(4)}`, `r${random(2)}`),
      () => move(`a${random(4)}`),
      () => attempt(`a${random(4)}`, random(2)),
      () => log(`l${random(100)}`),
      () => put(`k${random(3)}`),
      () => del(`k${random(3)}`),
    ];
    for (let round = 0; round < 300; round++) {
      const ops = Array.from({ length: 1 + random(40) }, () => (makers[random(makers.length)] as () => WriteOp)());
      const groups = groupOps(ops);
      const flat = groups.flatMap((g) => g.ops as WriteOp[]);
      expect(new Set(flat)).toEqual(new Set(ops));
      expect(flat.length).toBe(ops.length);
      for (const g of groups) {
        expect(g.ops.every((op) => op.op === g.kind)).toBe(true);
        if (g.kind !== "log.append") expect(new Set(g.ops.map(row)).size).toBe(g.ops.length);
      }
      const order = (list: WriteOp[], keep: (op: WriteOp) => boolean): WriteOp[] => list.filter(keep);
      for (const label of new Set(ops.map(row))) {
        expect(order(flat, (op) => row(op) === label)).toEqual(order(ops, (op) => row(op) === label));
      }
      for (const kind of ["action.insert", "log.append"]) {
        expect(order(flat, (op) => op.op === kind)).toEqual(order(ops, (op) => op.op === kind));
      }
      const segments = segmentGroups(groups);
      expect(segments.flat()).toEqual(groups);
      for (const segment of segments) {
        const rows = segment.flatMap((g) => (g.ops as WriteOp[]).map(row).filter((r) => r !== "log"));
        expect(new Set(rows).size).toBe(rows.length);
      }
      // Greedy: each run ends only because its next group shares a row with it.
      for (const [i, segment] of segments.entries()) {
        const next = segments[i + 1]?.[0];
        if (next === undefined) continue;
        const rows = new Set(segment.flatMap((g) => (g.ops as WriteOp[]).map(row)));
        expect((next.ops as WriteOp[]).some((op) => row(op) !== "log" && rows.has(row(op)))).toBe(true);
      }
    }
  });
});
