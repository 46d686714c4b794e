// Text primitives: human durations, grouped counts, colour on/off and cutting coloured lines to a width.
import { describe, expect, it } from "vitest";
import { emptyCounts, fitToWidth, formatCount, formatDuration, paint, symbolCounts, wordCounts } from "./progress-format.js";
import { stripAnsi } from "../../../test/support/progress-ops.js";

describe("progress text", () => {
  it("formats durations for people", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(3249)).toBe("3.2s");
    expect(formatDuration(59_999)).toBe("59.9s");
    expect(formatDuration(64_000)).toBe("1m04s");
    expect(formatDuration(3_725_000)).toBe("1h02m");
    expect(formatDuration(-5)).toBe("0ms");
  });

  it("groups thousands without depending on the locale", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(10_000)).toBe("10,000");
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });

  it("lists non-zero counts with symbols or words", () => {
    const counts = { ...emptyCounts(), succeeded: 9800, running: 150, failed: 50 };
    expect(symbolCounts(counts, false)).toBe("✓ 9,800  ● 150  ✗ 50");
    expect(wordCounts({ ...counts, timed_out: 2 })).toBe("9,800 succeeded, 150 running, 50 failed, 2 timed out");
  });

  it("adds no escape codes when colour is off", () => {
    expect(paint(false, "red", "x")).toBe("x");
    expect(paint(true, "red", "x")).toBe("\x1b[31mx\x1b[0m");
  });

  it("cuts lines to a width counting only visible characters", () => {
    expect(fitToWidth("abcdef", 10)).toBe("abcdef");
    expect(fitToWidth("abcdef", 6)).toBe("abcdef");
    expect(fitToWidth("abcdefg", 6)).toBe("abcde…");
    const coloured = `${paint(true, "green", "✓")} ${paint(true, "dim", "hello.double-with-a-long-name")}`;
    const cut = fitToWidth(coloured, 10);
    expect(stripAnsi(cut)).toBe("✓ hello.d…");
    expect(cut.endsWith("\x1b[0m")).toBe(true);
  });
});
