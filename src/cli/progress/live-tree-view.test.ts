// TTY mode: the tree redrawn in place on a fake terminal, within rows - 1 lines and the width, a 10,000-action
// fan-out as a handful of lines, followed logs above the tree, no colour codes without colour, and the cursor
// always restored by finish().
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HIDE_CURSOR, SHOW_CURSOR, SPINNER } from "./progress-format.js";
import { createProgressView, type ProgressView } from "./progress-view.js";
import { FakeOut, actionName, errorRecord, insert, log, runEnd, runInsert, stripAnsi, transition } from "../../../test/support/progress-ops.js";

const CURSOR_UP = /\x1b\[(\d+)A\r\x1b\[J/g;

function ttyView(out: FakeOut, overrides: { follow?: boolean; color?: boolean } = {}): ProgressView {
  return createProgressView({ out, tty: true, runName: "rtest", follow: false, color: true, refreshMs: 100, ...overrides });
}

/** The lines of the frame on screen: what follows the last "cursor up, clear" (or the whole output). */
function screen(out: FakeOut): string[] {
  const text = out.text;
  const matches = [...text.matchAll(CURSOR_UP)];
  const last = matches.at(-1);
  const visible = last?.index === undefined ? text : text.slice(last.index + last[0].length);
  return stripAnsi(visible).split("\n").filter((line) => line !== "");
}

/** The same lines with the spinner's current frame shown as ●, so assertions do not depend on the tick count. */
function still(lines: string[]): string[] {
  const spinner = new RegExp(`[${SPINNER.join("")}]`, "g");
  return lines.map((line) => line.replace(spinner, "●"));
}

describe("live tree view", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("redraws in place with the cursor hidden and restores it on finish", () => {
    const out = new FakeOut({ columns: 80, rows: 24 });
    const view = ttyView(out);
    view.onOp(runInsert(0));
    view.onOp(insert("a0", "hello.main"));
    view.onOp(insert("c1", "hello.double", { startedAt: 0 }));
    expect(out.chunks).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(out.text.startsWith(HIDE_CURSOR)).toBe(true);
    expect(screen(out)).toHaveLength(3);
    view.onOp(transition("c1", "succeeded", 1, { endedAt: 150 }));
    vi.advanceTimersByTime(100);
    // The second frame moves up over the 3 lines of the first before drawing.
    expect([...out.text.matchAll(CURSOR_UP)].map((m) => m[1])).toEqual(["3"]);
    expect(screen(out)[1]).toBe("  ✓ hello.double  150ms");
    view.onOp(transition("a0", "succeeded", 1, { endedAt: 300 }));
    view.onOp(runEnd("succeeded", 300));
    vi.advanceTimersByTime(100);
    view.finish();
    expect(out.text.endsWith(SHOW_CURSOR)).toBe(true);
    expect(screen(out)).toEqual(["✓ hello.main  300ms", "  ✓ hello.double  150ms", "✓ rtest  300ms  2 actions  ✓ 2"]);
    const writes = out.chunks.length;
    vi.advanceTimersByTime(1000);
    view.finish();
    expect(out.chunks.length).toBe(writes);
  });

  it("restores the cursor even when finish comes before the first frame (e.g. on SIGINT)", () => {
    const out = new FakeOut({ columns: 80, rows: 24 });
    const view = ttyView(out);
    view.onOp(insert("a0", "hello.main"));
    view.finish();
    expect(out.text.endsWith(SHOW_CURSOR)).toBe(true);
    expect(out.text.lastIndexOf(HIDE_CURSOR)).toBeLessThan(out.text.lastIndexOf(SHOW_CURSOR));
  });

  it("draws a 10,000-action fan-out as a handful of lines", () => {
    const out = new FakeOut({ columns: 100, rows: 40 });
    const view = ttyView(out);
    view.onOp(runInsert(0));
    view.onOp(insert("a0", "hello.main"));
    for (let i = 0; i < 10_000; i++) {
      view.onOp(insert(actionName(i), "hello.double", { group: "fan-out" }));
      if (i < 9800) view.onOp(transition(actionName(i), "succeeded", 1, { endedAt: 1 }));
      else if (i >= 9950) view.onOp(transition(actionName(i), "failed", 1, { endedAt: 1, error: errorRecord("boom") }));
    }
    vi.advanceTimersByTime(100);
    const lines = screen(out);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe("  ▾ fan-out  ✓ 9,800  ● 150  ✗ 50");
    expect(lines[2]).toMatch(/^ {4}. hello\.double ×10,000 {2}✓ 9,800 {2}● 150 {2}✗ 50$/);
    expect(lines[3]).toMatch(/^. rtest {2}100ms {2}10,001 actions {2}✓ 9,800 {2}● 151 {2}✗ 50$/);
    // The failures folded into the count are still listed, with their errors, when the view finishes.
    view.finish();
    const after = stripAnsi(out.text.slice(out.text.lastIndexOf("10,001 actions")));
    expect(after.match(/✗ hello\.double \[[0-9a-f]{8}\] failed: TypeError: boom/g)).toHaveLength(20);
    expect(after).toContain("… 30 more failed actions not listed");
  });

  it("keeps every frame within rows - 1 lines and the terminal width", () => {
    const out = new FakeOut({ columns: 30, rows: 8 });
    const view = ttyView(out);
    view.onOp(insert("a0", "hello.main"));
    for (let i = 0; i < 100; i++) view.onOp(insert(actionName(i), `hello.task-with-a-long-name-${i}`));
    vi.advanceTimersByTime(100);
    view.finish();
    const frames = out.text.split(CURSOR_UP);
    expect(frames.length).toBeGreaterThan(1);
    const last = stripAnsi(out.text.slice(out.text.lastIndexOf("\x1b[J"))).split("\n").filter(Boolean);
    expect(last).toHaveLength(7);
    expect(last[5]).toBe("… 96 more");
    for (const line of last) expect([...line].length).toBeLessThanOrEqual(30);
  });

  it("prints followed log lines above the tree", () => {
    const out = new FakeOut({ columns: 80, rows: 24 });
    const view = ttyView(out, { follow: true, color: false });
    view.onOp(insert("a0", "hello.main"));
    view.onOp(insert("a1b2c3d4e5f60708", "hello.double"));
    vi.advanceTimersByTime(100);
    view.onOp(log("a1b2c3d4e5f60708", "doubling 21\n"));
    vi.advanceTimersByTime(100);
    expect(still(screen(out))).toEqual([
      "[hello.double a1b2c3d4] doubling 21",
      "● hello.main  200ms",
      "  ● hello.double  200ms",
      "● rtest  200ms  2 actions  ● 2",
    ]);
    vi.advanceTimersByTime(100);
    // Once printed, the log line stays above: the next frame only redraws the 3 tree lines.
    expect(still(screen(out))[0]).toBe("● hello.main  300ms");
    view.finish();
  });

  it("uses no colour codes when colour is off (only cursor movement)", () => {
    const out = new FakeOut({ columns: 80, rows: 24 });
    const view = ttyView(out, { color: false });
    view.onOp(runInsert(0));
    view.onOp(insert("a0", "hello.main"));
    view.onOp(insert("x", "hello.bad"));
    vi.advanceTimersByTime(100);
    view.onOp(transition("x", "failed", 1, { endedAt: 4, error: errorRecord("boom") }));
    vi.advanceTimersByTime(100);
    view.finish();
    expect(out.text).not.toMatch(/\x1b\[[0-9;]*m/);
    expect(out.text).toContain("✗ hello.bad  4ms  TypeError: boom");
  });
});
