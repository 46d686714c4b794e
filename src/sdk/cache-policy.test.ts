import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { Cache, normalizeCache, type CacheOptions } from "./cache-policy.js";

function expectInvalid(call: () => unknown, ...fragments: string[]): void {
  expect(call).toThrow(InvalidOptionError);
  for (const f of fragments) expect(call).toThrow(f);
}

describe("Cache", () => {
  it("applies defaults", () => {
    const c = new Cache({ behavior: "auto" });
    expect(c).toMatchObject({ behavior: "auto", versionOverride: undefined, ignoredInputs: [], serialize: false, salt: undefined });
    expect(c.toJSON()).toEqual({ behavior: "auto" });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.ignoredInputs)).toBe(true);
  });

  it("keeps every option", () => {
    const c = new Cache({ behavior: "override", versionOverride: "v2", ignoredInputs: ["seed"], serialize: true, salt: "s" });
    expect(c.toJSON()).toEqual({ behavior: "override", versionOverride: "v2", ignoredInputs: ["seed"], serialize: true, salt: "s" });
  });

  it.each<[unknown, ...string[]]>([
    [{ behavior: "always" }, 'Cache: option "behavior": got "always"', '"auto", "override", "disable"'],
    [{}, 'option "behavior": got undefined'],
    [{ behavior: true }, "got true"],
    [{ behavior: "override" }, 'option "versionOverride": got undefined', 'behavior is "override"'],
    [{ behavior: "override", versionOverride: "" }, 'option "versionOverride": got ""'],
    [{ behavior: "override", versionOverride: 2 }, "got 2"],
    [{ behavior: "auto", versionOverride: "v1" }, 'option "versionOverride": got "v1"', 'use behavior "override"'],
    [{ behavior: "disable", versionOverride: "v1" }, 'got "v1"'],
    [{ behavior: "auto", ignoredInputs: "seed" }, 'option "ignoredInputs": got "seed"'],
    [{ behavior: "auto", ignoredInputs: ["ok", 3] }, 'option "ignoredInputs[1]": got 3'],
    [{ behavior: "auto", serialize: "yes" }, 'option "serialize": got "yes"', "true or false"],
    [{ behavior: "auto", salt: 1 }, 'option "salt": got 1'],
    [{ behavior: "auto", serialise: true }, 'Cache: unknown option "serialise"', 'Did you mean "serialize"?'],
    ["auto", 'Cache options: got "auto"'],
  ])("rejects %j", (options, ...fragments) => {
    expectInvalid(() => new Cache(options as CacheOptions), ...fragments);
  });
});

describe("normalizeCache", () => {
  const owner = 'Task "main"';

  it.each([
    [undefined, "disable"],
    [false, "disable"],
    ["disable", "disable"],
    [true, "auto"],
    ["auto", "auto"],
  ])("%j → %s", (value, behavior) => {
    const c = normalizeCache(value, undefined, owner);
    expect(c).toBeInstanceOf(Cache);
    expect(c.behavior).toBe(behavior);
  });

  it('"override" takes its version from cacheVersion', () => {
    expect(normalizeCache("override", "v1", owner).toJSON()).toEqual({ behavior: "override", versionOverride: "v1" });
  });

  it("keeps a Cache instance, allowing a matching cacheVersion", () => {
    const c = new Cache({ behavior: "override", versionOverride: "v3", serialize: true });
    expect(normalizeCache(c, undefined, owner)).toBe(c);
    expect(normalizeCache(c, "v3", owner)).toBe(c);
  });

  it.each<[unknown, unknown, ...string[]]>([
    ["always", undefined, 'Task "main": option "cache": got "always"', '"override" (with cacheVersion)'],
    [1, undefined, 'option "cache": got 1'],
    [{ behavior: "auto" }, undefined, 'option "cache": got {"behavior":"auto"}'],
    ["override", undefined, 'Task "main": option "cacheVersion": got undefined', 'required with cache "override"'],
    ["override", "", 'option "cacheVersion": got ""'],
    ["override", 7, 'option "cacheVersion": got 7'],
    ["auto", "v1", 'option "cacheVersion": got "v1"', 'use cache "override"'],
    [true, "v1", 'got "v1"', "with cache true"],
    [undefined, "v1", 'got "v1"', "with cache unset"],
  ])("rejects cache %j with cacheVersion %j", (value, version, ...fragments) => {
    expectInvalid(() => normalizeCache(value, version, owner), ...fragments);
  });

  it("rejects a cacheVersion that contradicts a Cache instance", () => {
    const c = new Cache({ behavior: "override", versionOverride: "v3" });
    expectInvalid(() => normalizeCache(c, "v4", owner), 'Task "main": option "cacheVersion": got "v4"', '"v3"');
    expectInvalid(() => normalizeCache(new Cache({ behavior: "auto" }), "v1", owner), 'got "v1"', "(null)");
  });
});
