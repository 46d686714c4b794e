import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { parseDuration } from "./duration.js";

const FIELD = 'Task "main": option "timeout"';

describe("parseDuration", () => {
  it.each([
    [0, 0],
    [1500, 1500],
    [2.5, 2.5],
    ["250", 250],
    ["500ms", 500],
    ["30s", 30_000],
    ["1.5s", 1500],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s5ms", 93_784_005],
    ["1h 30m", 5_400_000],
    [" 45s ", 45_000],
    ["0s", 0],
  ])("accepts %j as %d ms", (input, ms) => {
    expect(parseDuration(input, FIELD)).toBe(ms);
  });

  it.each([
    [-1, "-1"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    ["", '""'],
    ["ten minutes", '"ten minutes"'],
    ["10x", '"10x"'],
    ["30m1h", '"30m1h"'],
    ["1h1h", '"1h1h"'],
    ["-5s", '"-5s"'],
    ["1h30", '"1h30"'],
    ["h", '"h"'],
    [null, "null"],
    [true, "true"],
    [{ ms: 5 }, '{"ms":5}'],
  ])("rejects %j", (input, shown) => {
    const call = () => parseDuration(input, FIELD);
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow(FIELD);
    expect(call).toThrow(`got ${shown}`);
    expect(call).toThrow('"1h30m"');
  });
});
