// The model folded from WriteOps: phase counts (run, sibling set, nested groups), finish and retry events,
// re-inserts, other runs ignored, and a 100,000-action run kept without per-op work beyond counters.
import { describe, expect, it } from "vitest";
import type { ActionState } from "./progress-model.js";
import { ProgressModel } from "./progress-model.js";
import { actionName, errorRecord, insert, log, runEnd, runInsert, transition } from "../../../test/support/progress-ops.js";

describe("ProgressModel", () => {
  it("counts actions per phase as they move", () => {
    const model = new ProgressModel("rtest");
    model.apply(runInsert(0));
    model.apply(insert("a0", "hello.main"));
    for (let i = 0; i < 5; i++) model.apply(insert(actionName(i), "hello.double", { startedAt: i }));
    expect(model.total).toBe(6);
    expect(model.counts.running).toBe(6);
    model.apply(transition(actionName(0), "succeeded", 1, { endedAt: 10 }));
    model.apply(transition(actionName(1), "failed", 1, { endedAt: 10, error: errorRecord("boom") }));
    model.apply(transition(actionName(2), "queued", 2, { error: errorRecord("flaky") }));
    expect(model.counts).toMatchObject({ running: 3, succeeded: 1, failed: 1, queued: 1 });
    const set = model.actions.get(actionName(0))?.set;
    expect(set?.members).toHaveLength(5);
    expect(set?.counts).toMatchObject({ running: 2, succeeded: 1, failed: 1, queued: 1 });
    const failed = model.actions.get(actionName(1));
    expect(failed).toMatchObject({ errorName: "TypeError", errorMessage: "boom", endedAt: 10 });
    expect(model.failures).toEqual([failed]);
    model.apply(runEnd("failed", 20));
    expect(model).toMatchObject({ runPhase: "failed", runCreatedAt: 0, runEndedAt: 20, runTaskName: "hello.main" });
  });

  it("reports finishes (including cache hits and traces) and retries to its listener", () => {
    const finished: string[] = [];
    const retries: string[] = [];
    const model = new ProgressModel("rtest", {
      onFinished: (a: ActionState) => finished.push(`${a.name}:${a.phase}`),
      onRetry: (a, attempt, error) => retries.push(`${a.name}:${attempt}:${error?.message ?? ""}`),
    });
    model.apply(insert("a0", "hello.main"));
    model.apply(insert("c1", "hello.double", { phase: "succeeded", cacheStatus: "hit", endedAt: 0 }));
    model.apply(insert("t1", "fetchGreeting", { type: "trace", phase: "succeeded", endedAt: 10 }));
    model.apply(insert("f1", "hello.flaky"));
    model.apply(transition("f1", "queued", 2, { error: errorRecord("boom") }));
    model.apply(transition("f1", "running", 2, { startedAt: 50 }));
    model.apply(transition("f1", "succeeded", 2, { endedAt: 60 }));
    expect(finished).toEqual(["c1:succeeded", "t1:succeeded", "f1:succeeded"]);
    expect(retries).toEqual(["f1:1:boom"]);
    // The duration of a retried action covers all its attempts.
    expect(model.actions.get("f1")?.startedAt).toBe(0);
    expect(model.counts).toMatchObject({ succeeded: 3, running: 1, queued: 0 });
  });

  it("keeps group counts for nested groups and their parents", () => {
    const model = new ProgressModel("rtest");
    model.apply(insert("a0", "hello.main"));
    model.apply(insert("g1", "hello.double", { group: "outer" }));
    model.apply(insert("g2", "hello.double", { group: "outer/inner" }));
    model.apply(transition("g2", "succeeded", 1, { endedAt: 5 }));
    const root = model.actions.get("a0");
    const outer = root?.children?.groups?.get("outer");
    const inner = root?.children?.groups?.get("outer/inner");
    expect(outer?.counts).toMatchObject({ running: 1, succeeded: 1 });
    expect(inner?.counts).toMatchObject({ running: 0, succeeded: 1 });
    expect(inner?.label).toBe("inner");
    expect(outer?.order.map((entry) => entry.kind)).toEqual(["set", "group"]);
  });

  it("treats a re-insert as a replacement, not a new action", () => {
    const model = new ProgressModel("rtest");
    model.apply(insert("a0", "hello.main"));
    model.apply(insert("x", "hello.double"));
    model.apply(insert("x", "hello.double", { attempt: 2, phase: "succeeded", endedAt: 3 }));
    expect(model.total).toBe(2);
    expect(model.counts).toMatchObject({ running: 1, succeeded: 1 });
    expect(model.actions.get("x")?.set?.members).toHaveLength(1);
  });

  it("ignores other runs and forwards logs with their action", () => {
    const logs: string[] = [];
    const model = new ProgressModel("rtest", { onLog: (record, action) => logs.push(`${action?.taskName}:${record.text}`) });
    const otherRun = runInsert(0);
    if (otherRun.op === "run.insert") otherRun.run.name = "other";
    const otherAction = insert("b", "x");
    if (otherAction.op === "action.insert") otherAction.action.runName = "other";
    model.apply(otherRun);
    model.apply(insert("a0", "hello.main"));
    model.apply(otherAction);
    model.apply(log("a0", "hi\n"));
    expect(model.total).toBe(1);
    expect(model.runPhase).toBeNull();
    expect(logs).toEqual(["hello.main:hi\n"]);
  });

  it("holds 100,000 actions in one sibling set and remembers only the first failures", () => {
    const model = new ProgressModel("rtest");
    model.apply(insert("a0", "hello.main"));
    for (let i = 0; i < 100_000; i++) {
      const name = actionName(i);
      model.apply(insert(name, "hello.double", { startedAt: i }));
      if (i % 100 === 0) model.apply(transition(name, "failed", 1, { endedAt: i, error: errorRecord("boom") }));
      else model.apply(transition(name, "succeeded", 1, { endedAt: i + 1 }));
    }
    expect(model.total).toBe(100_001);
    expect(model.counts).toMatchObject({ succeeded: 99_000, failed: 1000, running: 1 });
    expect(model.failureCount).toBe(1000);
    expect(model.failures).toHaveLength(20);
    expect(model.actions.get("a0")?.children?.order).toHaveLength(1);
  });
});
