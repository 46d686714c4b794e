// Plain mode (pipes, CI): a line per finished action, summaries instead of floods, failures always listed,
// followed log lines, and no escape codes without colour. Fake timers drive the windows and summaries.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgressView, type ProgressView } from "./progress-view.js";
import {
  FakeOut,
  actionName,
  childSucceeds,
  errorRecord,
  insert,
  log,
  runEnd,
  runInsert,
  transition,
} from "../../../test/support/progress-ops.js";

function plainView(out: FakeOut, overrides: { follow?: boolean; color?: boolean } = {}): ProgressView {
  return createProgressView({ out, tty: false, runName: "rtest", follow: false, color: false, ...overrides });
}

describe("plain progress view", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prints one line per finished action, never from inside onOp", () => {
    const out = new FakeOut();
    const view = plainView(out);
    const ops = [
      runInsert(0),
      insert("a0", "hello.main"),
      ...childSucceeds("a1b2c3d4e5f60708", "hello.double", 0, 3),
      insert("c0ffee0000000000", "hello.double", { phase: "succeeded", cacheStatus: "hit", endedAt: 0 }),
      insert("f1a2b3c4d5e6f708", "hello.flaky"),
      transition("f1a2b3c4d5e6f708", "queued", 2, { error: errorRecord("boom") }),
      transition("f1a2b3c4d5e6f708", "running", 2, { startedAt: 10 }),
      transition("f1a2b3c4d5e6f708", "failed", 2, { endedAt: 20, error: errorRecord("boom") }),
      insert("7ace000000000000", "fetchGreeting", { type: "trace", phase: "succeeded", startedAt: 0, endedAt: 10 }),
    ];
    for (const op of ops) view.onOp(op);
    expect(out.chunks).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(out.plainLines).toEqual([
      "✓ hello.double [a1b2c3d4] 3ms",
      "✓ hello.double [c0ffee00] cache hit",
      "↻ hello.flaky [f1a2b3c4] attempt 1 failed: TypeError: boom; retrying",
      "✗ hello.flaky [f1a2b3c4] failed after 2 attempts: TypeError: boom",
      "✓ trace fetchGreeting [7ace0000] 10ms",
    ]);
    vi.advanceTimersByTime(1000);
    view.onOp(transition("a0", "failed", 1, { endedAt: 1300, error: errorRecord("child failed", "Error") }));
    view.onOp(runEnd("failed", 1300));
    view.finish();
    expect(out.plainLines.slice(5)).toEqual([
      "✗ hello.main [a0] failed: Error: child failed",
      "✗ run rtest failed in 1.3s (5 actions: 3 succeeded, 2 failed)",
    ]);
  });

  it("switches to summaries on a burst of 5,000 completions without printing them first", () => {
    const out = new FakeOut();
    const view = plainView(out, { color: true });
    view.onOp(runInsert(0));
    view.onOp(insert("a0", "hello.main"));
    for (let i = 0; i < 5000; i++) {
      view.onOp(insert(actionName(i), "hello.double"));
      view.onOp(transition(actionName(i), "succeeded", 1, { endedAt: 1 }));
      // Spread over ~10 s: 500 completions a second, far above the per-line rate.
      if (i % 125 === 124) vi.advanceTimersByTime(250);
    }
    const burst = out.plainLines;
    expect(burst.length).toBeLessThan(20);
    expect(burst.some((line) => line.includes("hello.double"))).toBe(false);
    expect(burst[0]).toBe("[250ms] 126 actions: 125 succeeded, 1 running");
    expect(burst.at(-1)).toMatch(/^\[\d+\.\ds\] [\d,]+ actions: [\d,]+ succeeded, 1 running$/);
    // Summaries come every summaryEveryMs (2 s by default), not every window.
    expect(burst.length).toBeGreaterThanOrEqual(5);

    // When actions finish slowly again, per-action lines come back after a summary.
    vi.advanceTimersByTime(1000);
    view.onOp(insert("5100000000000000", "hello.slow", { startedAt: 11_000 }));
    view.onOp(transition("5100000000000000", "succeeded", 1, { endedAt: 11_200 }));
    vi.advanceTimersByTime(250);
    expect(out.plainLines.at(-1)).toBe("✓ hello.slow [51000000] 200ms");
    view.finish();
    expect(out.plainLines.length).toBeLessThan(30);
  });

  it("decides per window even when a burst arrives before any timer fires", () => {
    const out = new FakeOut();
    const view = plainView(out);
    view.onOp(insert("a0", "hello.main"));
    for (let i = 0; i < 5000; i++) view.onOp(insert(actionName(i), "hello.double", { phase: "succeeded", endedAt: 1 }));
    view.finish();
    expect(out.plainLines).toEqual(["● run rtest still running after 0ms (5,001 actions: 5,000 succeeded, 1 running)"]);
  });

  it("always lists failed actions, the first 20 of them, then a count", () => {
    const out = new FakeOut();
    const view = plainView(out);
    view.onOp(insert("a0", "hello.main"));
    for (let i = 0; i < 3000; i++) {
      view.onOp(insert(actionName(i), "hello.double"));
      const failed = i % 100 === 0;
      view.onOp(transition(actionName(i), failed ? "failed" : "succeeded", 1, failed ? { endedAt: 1, error: errorRecord(`bad ${i}`) } : { endedAt: 1 }));
    }
    vi.advanceTimersByTime(250);
    view.finish();
    const failures = out.plainLines.filter((line) => line.startsWith("✗ hello.double"));
    expect(failures).toHaveLength(20);
    expect(failures[0]).toBe("✗ hello.double [00000000] failed: TypeError: bad 0");
    expect(out.plainLines).toContain("… 10 more failed actions not listed");
    expect(out.plainLines.some((line) => line.startsWith("✓ hello.double"))).toBe(false);
  });

  it("prints followed log lines prefixed with their action, and none without follow", () => {
    for (const follow of [true, false]) {
      const out = new FakeOut();
      const view = plainView(out, { follow });
      view.onOp(insert("a0", "hello.main"));
      view.onOp(insert("a1b2c3d4e5f60708", "hello.double"));
      view.onOp(log("a1b2c3d4e5f60708", "doubling 21\n"));
      view.onOp(log("a0", "two\nlines\n"));
      vi.advanceTimersByTime(250);
      const expected = follow ? ["[hello.double a1b2c3d4] doubling 21", "[hello.main a0] two", "[hello.main a0] lines"] : [];
      expect(out.plainLines).toEqual(expected);
      view.finish();
    }
  });

  it("writes no escape codes at all when colour is off, and colours when it is on", () => {
    for (const color of [false, true]) {
      const out = new FakeOut();
      const view = plainView(out, { color, follow: true });
      view.onOp(runInsert(0));
      view.onOp(insert("a0", "hello.main"));
      view.onOp(log("a0", "hi"));
      view.onOp(insert("x", "hello.bad"));
      view.onOp(transition("x", "failed", 1, { endedAt: 4, error: errorRecord("boom") }));
      view.onOp(runEnd("failed", 5));
      vi.advanceTimersByTime(250);
      view.finish();
      expect(out.text.includes("\x1b")).toBe(color);
      expect(out.plainLines.length).toBe(3);
    }
  });

  it("rejects bad intervals naming the option", () => {
    expect(() => createProgressView({ out: new FakeOut(), tty: false, runName: "r", follow: false, color: false, refreshMs: 0 })).toThrow(
      /"refreshMs" must be a positive number/,
    );
  });
});
