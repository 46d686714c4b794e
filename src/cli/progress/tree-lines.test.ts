// The tree frame: what each line says, 10,000 siblings folded into one line, groups, the line budget with
// its "… N more" marker, and lines cut to the terminal width.
import { describe, expect, it } from "vitest";
import { ProgressModel } from "./progress-model.js";
import { actionName, childSucceeds, errorRecord, insert, runInsert, transition } from "../../../test/support/progress-ops.js";
import { renderTreeFrame, type TreeFrameOptions } from "./tree-lines.js";

const frameOptions: TreeFrameOptions = { maxLines: 40, columns: 120, now: 5000, color: false, spin: "●", since: 0 };

function modelWith(...ops: Parameters<ProgressModel["apply"]>[0][]): ProgressModel {
  const model = new ProgressModel("rtest");
  model.apply(runInsert(0));
  model.apply(insert("a0", "hello.main"));
  for (const op of ops) model.apply(op);
  return model;
}

describe("renderTreeFrame", () => {
  it("draws each action with its phase, attempt, cache status, duration and error", () => {
    const model = modelWith(
      ...childSucceeds("c1", "hello.double", 0, 850),
      insert("c2", "hello.double", { phase: "succeeded", cacheStatus: "hit", endedAt: 0 }),
      insert("c3", "hello.flaky", { startedAt: 100 }),
      transition("c3", "queued", 2, { error: errorRecord("boom") }),
      insert("c4", "hello.bad", { startedAt: 100 }),
      transition("c4", "failed", 1, { endedAt: 3300, error: errorRecord("bad input\nsecond line", "RangeError") }),
      insert("t1", "fetchGreeting", { type: "trace", phase: "succeeded", startedAt: 0, endedAt: 10 }),
    );
    const { lines, truncated } = renderTreeFrame(model, frameOptions);
    expect(truncated).toBe(false);
    expect(lines).toEqual([
      "● hello.main  5.0s",
      "  ✓ hello.double  850ms",
      "  ✓ hello.double  cache hit",
      "  ↻ hello.flaky (attempt 2)  4.9s  retrying after TypeError: boom",
      "  ✗ hello.bad  3.2s  RangeError: bad input",
      "  ✓ trace fetchGreeting  10ms",
      "● rtest  5.0s  6 actions  ✓ 3  ● 1  ↻ 1  ✗ 1",
    ]);
  });

  it("folds 10,000 siblings of one task into a single line of counts", () => {
    const ops = [];
    for (let i = 0; i < 10_000; i++) {
      const name = actionName(i);
      ops.push(insert(name, "hello.double"));
      if (i < 9800) ops.push(transition(name, "succeeded", 1, { endedAt: 1 }));
      else if (i >= 9950) ops.push(transition(name, "failed", 1, { endedAt: 1, error: errorRecord("boom") }));
    }
    const { lines } = renderTreeFrame(modelWith(...ops), frameOptions);
    expect(lines).toEqual([
      "● hello.main  5.0s",
      "  ● hello.double ×10,000  ✓ 9,800  ● 150  ✗ 50",
      "● rtest  5.0s  10,001 actions  ✓ 9,800  ● 151  ✗ 50",
    ]);
  });

  it("keeps up to 8 siblings as separate lines and shows groups with their counts", () => {
    const ops = [];
    for (let i = 0; i < 8; i++) ops.push(...childSucceeds(`s${i}`, "hello.small", 0, 5, "batch"));
    ops.push(...childSucceeds("n1", "hello.inner", 0, 5, "batch/nested"));
    ops.push(insert("after", "hello.last"));
    const { lines } = renderTreeFrame(modelWith(...ops), frameOptions);
    expect(lines[1]).toBe("  ▾ batch  ✓ 9");
    expect(lines.filter((line) => line === "    ✓ hello.small  5ms")).toHaveLength(8);
    expect(lines.slice(10, 13)).toEqual(["    ▾ nested  ✓ 1", "      ✓ hello.inner  5ms", "  ● hello.last  5.0s"]);
  });

  it("shows children under their parent", () => {
    const model = modelWith(insert("p", "hello.parent"), insert("k", "hello.kid", { parentName: "p" }));
    expect(renderTreeFrame(model, frameOptions).lines.slice(0, 3)).toEqual([
      "● hello.main  5.0s",
      "  ● hello.parent  5.0s",
      "    ● hello.kid  5.0s",
    ]);
  });

  it("never returns more lines than the budget and says how many actions it left out", () => {
    const ops = [];
    // 50 different tasks: nothing folds, so only the budget keeps the frame short.
    for (let i = 0; i < 50; i++) ops.push(insert(actionName(i), `hello.task${i}`));
    const model = modelWith(...ops);
    const { lines, truncated } = renderTreeFrame(model, { ...frameOptions, maxLines: 10 });
    expect(truncated).toBe(true);
    expect(lines).toHaveLength(10);
    // Root and 7 tasks shown, the marker, the footer.
    expect(lines[8]).toBe("… 43 more");
    expect(lines[9]?.startsWith("● rtest")).toBe(true);
    expect(renderTreeFrame(model, { ...frameOptions, maxLines: 1 }).lines).toHaveLength(1);
  });

  it("cuts every line to the terminal width", () => {
    const model = modelWith(insert("c1", `hello.${"x".repeat(200)}`));
    const { lines } = renderTreeFrame(model, { ...frameOptions, columns: 40 });
    for (const line of lines) expect([...line].length).toBeLessThan(40);
    expect(lines[1]?.endsWith("…")).toBe(true);
  });
});
