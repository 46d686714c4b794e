import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import {
  checkInteger,
  checkKnownKeys,
  checkName,
  checkNonEmptyString,
  checkPlainObject,
  describeValue,
  editDistance,
  invalidOption,
  optionField,
} from "./option-checks.js";

describe("describeValue", () => {
  it.each([
    ["4GB", '"4GB"'],
    [12, "12"],
    [true, "true"],
    [undefined, "undefined"],
    [null, "null"],
    [10n, "10n"],
    [Symbol("s"), "Symbol(s)"],
    [function named() {}, "function named"],
    [[1, "a"], '[1,"a"]'],
    [{ a: 1 }, '{"a":1}'],
    [{ a: undefined }, '{"a":"undefined"}'],
    [new Map(), "Map {}"],
  ])("renders %s", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it("truncates long values", () => {
    const text = describeValue("x".repeat(500));
    expect(text.length).toBe(80);
    expect(text.endsWith("…")).toBe(true);
  });

  it("survives cycles", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    expect(describeValue(a)).toBe('{"name":"a","self":"[Circular]"}');
  });
});

describe("editDistance", () => {
  it.each([
    ["memory", "memory", 0],
    ["memroy", "memory", 1],
    ["mem", "memory", 3],
    ["cpus", "cpu", 1],
    ["", "abc", 3],
  ])("%s → %s is %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe("checkKnownKeys", () => {
  const allowed = ["cpu", "memory", "gpu", "disk"];

  it("accepts known keys", () => {
    expect(() => checkKnownKeys({ cpu: 1, memory: "1Gi" }, allowed, "Resources")).not.toThrow();
  });

  it("suggests the nearest key within distance 2", () => {
    const call = () => checkKnownKeys({ memroy: "4Gi" }, allowed, 'TaskEnvironment "etl"');
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow('TaskEnvironment "etl": unknown option "memroy" (value "4Gi"). Did you mean "memory"?');
    expect(call).toThrow("Allowed options: cpu, memory, gpu, disk.");
  });

  it("matches case-insensitively", () => {
    expect(() => checkKnownKeys({ CPU: 1 }, allowed, "Resources")).toThrow('Did you mean "cpu"?');
  });

  it("suggests a key that abbreviates or extends the given one", () => {
    expect(() => checkKnownKeys({ mem: 1 }, allowed, "Resources")).toThrow('Did you mean "memory"?');
    expect(() => checkKnownKeys({ diskSize: 1 }, allowed, "Resources")).toThrow('Did you mean "disk"?');
    expect(() => checkKnownKeys({ m: 1 }, allowed, "Resources")).not.toThrow("Did you mean");
  });

  it("gives no suggestion when nothing is close", () => {
    const call = () => checkKnownKeys({ bananas: 1 }, allowed, "Resources");
    expect(call).toThrow('unknown option "bananas"');
    expect(call).not.toThrow("Did you mean");
  });
});

describe("checkName", () => {
  it("returns a matching string", () => {
    expect(checkName("etl-1", "f", /^[a-z0-9-]+$/, "lower-case")).toBe("etl-1");
  });

  it.each([["ETL"], [""], [7]])("rejects %j naming field, value and rule", (value) => {
    const call = () => checkName(value, 'TaskEnvironment: option "name"', /^[a-z0-9-]+$/, "lower-case letters");
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow(`TaskEnvironment: option "name": got ${describeValue(value)}; expected lower-case letters.`);
  });
});

describe("small checks", () => {
  it("checkPlainObject accepts plain objects only", () => {
    expect(checkPlainObject({ a: 1 }, "opts")).toEqual({ a: 1 });
    expect(checkPlainObject(Object.create(null), "opts")).toEqual({});
    for (const bad of [null, [], "x", new Map(), 3]) {
      expect(() => checkPlainObject(bad, "Resources options")).toThrow("Resources options: got");
    }
  });

  it("checkNonEmptyString", () => {
    expect(checkNonEmptyString("a", "f")).toBe("a");
    expect(() => checkNonEmptyString("  ", "f")).toThrow('f: got "  "; expected a non-empty string.');
    expect(() => checkNonEmptyString(1, "f")).toThrow("got 1");
  });

  it("checkInteger", () => {
    expect(checkInteger(3, "f", 1)).toBe(3);
    expect(() => checkInteger(0, "f", 1)).toThrow("f: got 0; expected an integer ≥ 1.");
    expect(() => checkInteger(1.5, "f", 0)).toThrow("got 1.5");
    expect(() => checkInteger("2", "f", 0)).toThrow('got "2"');
  });

  it("optionField and invalidOption build the standard message", () => {
    const err = invalidOption(optionField('Task "t"', "retries"), -1, "an integer ≥ 0", new Error("root"));
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect(err.message).toBe('Task "t": option "retries": got -1; expected an integer ≥ 0.');
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(Error);
  });
});
