// parseTaskInputs: every kind of input from its flag text to the value the function receives, and every error
// (each a UsageError naming the flag, the bad value, the expected type and an example).
import { describe, expect, it } from "vitest";
import type { InputSpec, JsonSchema } from "../../deploy/interface/index.js";
import { parseTaskInputs } from "./parse-task-inputs.js";
import { BIGINT, BYTES, DATE, input, taskInterface } from "../../../test/fixtures/interface/hand-written.js";
import { UsageError } from "./usage-error.js";

/** The value of a single required input `v` of this schema given `--v text`. */
const one = (schema: JsonSchema, text: string, typeText = "T"): unknown => parseTaskInputs(taskInterface([input("v", schema, typeText)]), ["--v", text])[0];
function failure(inputs: InputSpec[], argv: string[]): string {
  try {
    parseTaskInputs(taskInterface(inputs), argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: "USAGE", kind: "user", name: "UsageError" });
    return (error as UsageError).message;
  }
  throw new Error("expected a UsageError");
}
const oneFailure = (schema: JsonSchema, text: string, typeText = "T"): string => failure([input("v", schema, typeText)], ["--v", text]);

describe("parseTaskInputs values", () => {
  it("reads numbers strictly and integers when the schema says so", () => {
    expect(one({ type: "number" }, "12")).toBe(12);
    expect(one({ type: "number" }, "-3.5")).toBe(-3.5);
    expect(one({ type: "number" }, "1e3")).toBe(1000);
    for (const bad of ["12abc", "NaN", "", "Infinity", "0x10", " 1", "1e999"]) {
      expect(oneFailure({ type: "number" }, bad, "number")).toContain("it is not a number");
    }
    expect(one({ type: "integer" }, "7")).toBe(7);
    expect(oneFailure({ type: "integer" }, "1.5", "number")).toContain("expected an integer, got 1.5");
  });

  it("takes strings verbatim", () => {
    expect(one({ type: "string" }, "  spaced out ")).toBe("  spaced out ");
    expect(one({ type: "string" }, "[1,2]")).toBe("[1,2]");
    expect(one({ type: "string" }, "")).toBe("");
  });

  it("reads booleans and null", () => {
    expect(one({ type: "boolean" }, "false")).toBe(false);
    expect(parseTaskInputs(taskInterface([input("v", { type: "boolean" }, "boolean")]), ["--v"])).toEqual([true]);
    expect(parseTaskInputs(taskInterface([input("v", { type: "boolean" }, "boolean")]), ["--no-v"])).toEqual([false]);
    const flag = [input("v", { type: "boolean" }, "boolean")];
    expect(failure(flag, ["--v=yes"])).toBe('Invalid value for --v: "yes" — expected true or false. --v takes boolean, e.g. --v');
    expect(failure(flag, ["--v", "yes"])).toBe('Unexpected argument "yes" after --v: it is a boolean flag; write --v, --v true|false or --no-v');
    expect(one({ type: "null" }, "null")).toBeNull();
    expect(oneFailure({ type: "null" }, "nil", "null")).toContain("expected null");
  });

  it("reads arrays, tuples and objects as JSON and validates them", () => {
    expect(one({ type: "array", items: { type: "number" } }, "[1,2,3]")).toEqual([1, 2, 3]);
    const tuple = { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 };
    expect(one(tuple, '["a",1]')).toEqual(["a", 1]);
    expect(oneFailure(tuple, '["a",1,2]', "[string, number]")).toContain("expected at most 2 items, got 3 items");
    const point = { type: "object", properties: { x: { type: "number" }, label: { type: "string" } }, required: ["x"] };
    expect(one(point, '{"x":1,"extra":true}')).toEqual({ x: 1, extra: true });
    expect(oneFailure(point, '{"label":"a"}', "Point")).toContain('expected the required property "x"');
  });

  it("checks enums", () => {
    expect(one({ type: "string", enum: ["fast", "slow"] }, "slow")).toBe("slow");
    expect(oneFailure({ type: "string", enum: ["fast", "slow"] }, "medium", '"fast" | "slow"')).toContain('expected one of "fast", "slow", got "medium"');
    expect(one({ type: "number", enum: [1, 2, 3] }, "2")).toBe(2);
    expect(one({ enum: [null, "a"] }, "null")).toBeNull();
  });

  it("converts dates, bigints and bytes", () => {
    expect(one(DATE, "2024-01-31T12:00:00Z")).toEqual(new Date("2024-01-31T12:00:00Z"));
    expect(one(DATE, "2024-01-31")).toEqual(new Date("2024-01-31"));
    expect(oneFailure(DATE, "yesterday", "Date")).toContain("expected an ISO 8601 date");
    expect(oneFailure(DATE, "2024-13-45", "Date")).toContain("expected an ISO 8601 date");
    expect(one(BIGINT, "12345678901234567890")).toBe(12345678901234567890n);
    expect(one(BIGINT, "-5")).toBe(-5n);
    expect(oneFailure(BIGINT, "1.5", "bigint")).toContain("expected a whole number written in digits (bigint)");
    expect(one(BYTES, "aGVsbG8=")).toEqual(new Uint8Array(Buffer.from("hello")));
    expect(one(BYTES, "aGVsbG8")).toEqual(new Uint8Array(Buffer.from("hello")));
    expect(oneFailure(BYTES, "not base64!", "Uint8Array")).toContain("expected base64 text");
  });

  it("converts Map and Set from JSON arrays, with nested markers", () => {
    const map = { type: "array", items: { type: "array", prefixItems: [{ type: "string" }, DATE], minItems: 2, maxItems: 2 }, "x-flyte-type": "map" };
    expect(one(map, '[["a","2024-01-01T00:00:00Z"]]')).toEqual(new Map([["a", new Date("2024-01-01T00:00:00Z")]]));
    expect(oneFailure(map, '[["a"]]', "Map<string, Date>")).toContain("at v[0]: expected at least 2 items");
    const set = { type: "array", items: BIGINT, "x-flyte-type": "set" };
    expect(one(set, '["1","2"]')).toEqual(new Set([1n, 2n]));
  });

  it("converts markers nested in objects and arrays, keeping a __proto__ key as data", () => {
    const schema = {
      type: "object",
      properties: { at: DATE, amounts: { type: "array", items: BIGINT } },
      required: ["at"],
      additionalProperties: BYTES,
    };
    const value = one(schema, '{"at":"2024-05-01T00:00:00Z","amounts":["7"],"blob":"aGk=","__proto__":"aGk="}') as Record<string, unknown>;
    expect(value.at).toEqual(new Date("2024-05-01T00:00:00Z"));
    expect(value.amounts).toEqual([7n]);
    expect(value.blob).toEqual(new Uint8Array(Buffer.from("hi")));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toContain("__proto__");
    expect(oneFailure(schema, '{"at":"2024-05-01T00:00:00Z","amounts":["7x"]}', "Item")).toContain('at v.amounts[0]: expected a whole number written in digits (bigint), got "7x"');
  });

  it("reads unions as JSON first, then as text", () => {
    const either = { anyOf: [{ type: "number" }, { type: "string" }] };
    expect(one(either, "42")).toBe(42);
    expect(one(either, "abc")).toBe("abc");
    const maybeDate = { anyOf: [{ type: "null" }, DATE] };
    expect(one(maybeDate, "null")).toBeNull();
    expect(one(maybeDate, "2024-01-01T00:00:00Z")).toEqual(new Date("2024-01-01T00:00:00Z"));
    const shape = { anyOf: [{ type: "array", items: { type: "string" } }, { type: "object", properties: { x: { type: "number" } }, required: ["x"] }] };
    expect(oneFailure(shape, '{"x":"1"}', "Point | string[]")).toContain('at v.x: expected a number, got "1"');
    expect(oneFailure({ anyOf: [{ type: "number" }, { type: "boolean" }] }, "abc", "number | boolean")).toContain('expected a number or a boolean, got "abc"');
  });

  it("takes any JSON, or the text, for any / unknown", () => {
    expect(one({}, '{"a":1}')).toEqual({ a: 1 });
    expect(one({}, "hello world")).toBe("hello world");
  });
});

describe("parseTaskInputs arguments", () => {
  const inputs = [
    input("xs", { type: "array", items: { type: "number" } }, "number[]"),
    input("count", { type: "number" }, "number", { optional: true, hasDefault: true, default: 5 }),
    input("label", { type: "string" }, "string", { optional: true }),
  ];

  it("returns positional arguments, undefined where an optional or defaulted input is absent", () => {
    expect(parseTaskInputs(taskInterface(inputs), ["--xs", "[1,2,3]"])).toEqual([[1, 2, 3], undefined, undefined]);
    expect(parseTaskInputs(taskInterface(inputs), ["--label", "hi", "--count", "2", "--xs", "[]"])).toEqual([[], 2, "hi"]);
    expect(parseTaskInputs(taskInterface([]), [])).toEqual([]);
  });

  it("spreads a rest input's array", () => {
    const rest = [input("first", { type: "string" }, "string"), input("others", { type: "array", items: { type: "number" } }, "number[]", { optional: true, rest: true })];
    expect(parseTaskInputs(taskInterface(rest), ["--first", "a", "--others", "[1,2]"])).toEqual(["a", 1, 2]);
    expect(parseTaskInputs(taskInterface(rest), ["--first", "a"])).toEqual(["a"]);
  });

  it("rejects missing required inputs, listing each with an example", () => {
    const required = [...inputs, input("when", DATE, "Date")];
    expect(failure(required, ["--count", "1"])).toBe(
      "Task main is missing required inputs --xs, --when; add:\n  --xs '[1,2,3]'  (number[])\n  --when 2024-01-31T12:00:00Z  (Date)",
    );
  });

  it("names the flag, the bad value, the expected type and a valid example in every value error", () => {
    expect(failure(inputs, ["--xs", "[1,2"])).toMatch(/^Invalid value for --xs: "\[1,2" — it is not valid JSON \(.+\)\. --xs takes number\[\], e\.g\. --xs '\[1,2,3\]'$/);
    expect(failure(inputs, ["--xs", '[1,"a"]'])).toBe(
      'Invalid value for --xs: "[1,\\"a\\"]" — at xs[1]: expected a number, got "a". --xs takes number[], e.g. --xs \'[1,2,3]\'',
    );
    expect(failure([input("maxItems", { type: "number" }, "number")], ["--max-items", "lots"])).toBe(
      'Invalid value for --max-items: "lots" — it is not a number. --maxItems takes number, e.g. --maxItems 42',
    );
  });
});
