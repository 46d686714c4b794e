import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { normalizeTimeout } from "./timeout-policy.js";

const owner = 'Task "main"';

describe("normalizeTimeout", () => {
  it.each([
    [undefined, { maxRuntimeMs: null, maxQueuedMs: null }],
    [5000, { maxRuntimeMs: 5000, maxQueuedMs: null }],
    ["10m", { maxRuntimeMs: 600_000, maxQueuedMs: null }],
    [{}, { maxRuntimeMs: null, maxQueuedMs: null }],
    [{ maxRuntime: "1h" }, { maxRuntimeMs: 3_600_000, maxQueuedMs: null }],
    [{ maxQueued: "30s" }, { maxRuntimeMs: null, maxQueuedMs: 30_000 }],
    [{ maxRuntime: 100, maxQueued: "1m" }, { maxRuntimeMs: 100, maxQueuedMs: 60_000 }],
  ])("%j", (value, policy) => {
    const p = normalizeTimeout(value, owner);
    expect(p).toEqual(policy);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it.each<[unknown, ...string[]]>([
    [0, 'Task "main": option "timeout": got 0', "greater than 0"],
    ["0s", 'got "0s"'],
    [-1, "got -1"],
    ["ten", 'option "timeout": got "ten"'],
    [true, 'option "timeout": got true', "{ maxRuntime?, maxQueued? }"],
    [null, "got null"],
    [["1m"], 'got ["1m"]'],
    [{ maxRuntime: "x" }, 'option "timeout.maxRuntime": got "x"'],
    [{ maxQueued: 0 }, 'option "timeout.maxQueued": got 0'],
    [{ maxRunTime: "1m" }, 'unknown option "maxRunTime"', 'Did you mean "maxRuntime"?'],
  ])("rejects %j", (value, ...fragments) => {
    const call = () => normalizeTimeout(value, owner);
    expect(call).toThrow(InvalidOptionError);
    for (const f of fragments) expect(call).toThrow(f);
  });
});
