import { describe, expect, it } from "vitest";
import { childActionName, isValidRunName, newRunName } from "./naming.js";

describe("childActionName", () => {
  it("is a function of parent, task, inputs, call order and group", () => {
    const base = childActionName("a0", "env.t", "h1", 0, null);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(childActionName("a0", "env.t", "h1", 0, null)).toBe(base);
    const variants = [
      childActionName("a1", "env.t", "h1", 0, null),
      childActionName("a0", "env.u", "h1", 0, null),
      childActionName("a0", "env.t", "h2", 0, null),
      childActionName("a0", "env.t", "h1", 1, null),
      childActionName("a0", "env.t", "h1", 0, "g"),
    ];
    expect(new Set([base, ...variants]).size).toBe(6);
  });
});

describe("run names", () => {
  it("are fresh, valid and distinct", () => {
    const names = new Set(Array.from({ length: 1000 }, () => newRunName()));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(/^r[a-z0-9]{11}$/);
    for (const name of names) expect(isValidRunName(name)).toBe(true);
    // 1,000 names draw more bytes than one refill of the entropy pool: every letter and digit shows up.
    expect(new Set([...names].join("").slice(1))).toHaveProperty("size", 36);
    expect(isValidRunName("Bad Name")).toBe(false);
    expect(isValidRunName("1abc")).toBe(false);
  });
});
