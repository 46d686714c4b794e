import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { createRetryPolicy, normalizeRetries } from "./retry-policy.js";

const owner = 'Task "main"';

describe("normalizeRetries", () => {
  it("undefined means no retries and no delay", () => {
    const p = normalizeRetries(undefined, owner);
    expect([p.count, p.backoff, p.delayMs(1)]).toEqual([0, null, 0]);
  });

  it("accepts a plain count", () => {
    const p = normalizeRetries(3, owner);
    expect([p.count, p.backoff, p.delayMs(2)]).toEqual([3, null, 0]);
    expect(normalizeRetries(0, owner).count).toBe(0);
  });

  it("accepts { count } without backoff", () => {
    expect(normalizeRetries({ count: 2 }, owner).delayMs(1)).toBe(0);
  });

  it.each([
    [1000, 1000],
    ["10s", 10_000],
    ["0s", 0],
  ])("a duration backoff %j is a fixed delay", (backoff, ms) => {
    const p = normalizeRetries({ count: 3, backoff }, owner);
    expect(p.backoff).toEqual({ kind: "fixed", delayMs: ms });
    expect([p.delayMs(1), p.delayMs(2), p.delayMs(3)]).toEqual([ms, ms, ms]);
  });

  it("an object backoff is exponential with factor 2 by default", () => {
    const p = normalizeRetries({ count: 5, backoff: { initial: "1s" } }, owner);
    expect(p.backoff).toEqual({ kind: "exponential", initialMs: 1000, maxMs: null, factor: 2 });
    expect([1, 2, 3, 4].map((n) => p.delayMs(n))).toEqual([1000, 2000, 4000, 8000]);
  });

  it("exponential backoff honours factor and max", () => {
    const p = normalizeRetries({ count: 5, backoff: { initial: 100, max: "1s", factor: 3 } }, owner);
    expect([1, 2, 3, 4, 5].map((n) => p.delayMs(n))).toEqual([100, 300, 900, 1000, 1000]);
    expect(normalizeRetries({ count: 1, backoff: { initial: "1s", factor: 1 } }, owner).delayMs(4)).toBe(1000);
  });

  it("is frozen and serialisable", () => {
    const p = normalizeRetries({ count: 2, backoff: "1s" }, owner);
    expect(Object.isFrozen(p)).toBe(true);
    expect(JSON.parse(JSON.stringify(p))).toEqual({ count: 2, backoff: { kind: "fixed", delayMs: 1000 } });
  });

  it.each<[unknown, ...string[]]>([
    [-1, 'Task "main": option "retries": got -1', "integer ≥ 0"],
    [1.5, "got 1.5"],
    ["3", 'option "retries": got "3"', "{ count, backoff? }"],
    [null, "got null"],
    [[3], "got [3]"],
    [{}, 'option "retries.count": got undefined'],
    [{ count: -2 }, 'option "retries.count": got -2'],
    [{ count: 1, retries: 2 }, 'unknown option "retries"'],
    [{ cnt: 1 }, 'unknown option "cnt"', 'Did you mean "count"?'],
    [{ count: 1, backoff: "soon" }, 'option "retries.backoff": got "soon"'],
    [{ count: 1, backoff: true }, 'option "retries.backoff": got true', "{ initial, max?, factor? }"],
    [{ count: 1, backoff: {} }, 'option "retries.backoff.initial": got undefined'],
    [{ count: 1, backoff: { initial: "x" } }, 'option "retries.backoff.initial": got "x"'],
    [{ count: 1, backoff: { initial: "1m", max: "1s" } }, 'option "retries.backoff.max": got "1s"', "≥ initial"],
    [{ count: 1, backoff: { initial: "1s", factor: 0.5 } }, 'option "retries.backoff.factor": got 0.5', "≥ 1"],
    [{ count: 1, backoff: { initial: "1s", factor: "2" } }, 'got "2"'],
    [{ count: 1, backoff: { initial: "1s", maximum: "1m" } }, 'unknown option "maximum"', 'Did you mean "max"?'],
  ])("rejects %j", (value, ...fragments) => {
    const call = () => normalizeRetries(value, owner);
    expect(call).toThrow(InvalidOptionError);
    for (const f of fragments) expect(call).toThrow(f);
  });
});

describe("createRetryPolicy", () => {
  it("rebuilds a policy from its stored form", () => {
    const p = createRetryPolicy(2, { kind: "exponential", initialMs: 50, maxMs: 120, factor: 2 });
    expect([p.delayMs(1), p.delayMs(2), p.delayMs(3)]).toEqual([50, 100, 120]);
  });
});
