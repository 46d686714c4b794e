import { describe, expect, it } from "vitest";
import type { InputSpec } from "../deploy/interface/index.js";
import { checkTaskInputs, schemaShape } from "./input-check.js";

const spec = (name: string, schema: Record<string, unknown>, extra: Partial<InputSpec> = {}): InputSpec => ({
  name,
  schema,
  optional: false,
  hasDefault: false,
  typeText: String(schema["type"] ?? "unknown"),
  ...extra,
});

const DATE = { type: "string", format: "date-time", "x-flyte-type": "date" };
const MAP = { type: "array", items: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] }, "x-flyte-type": "map" };

describe("checkTaskInputs", () => {
  it("accepts decoded values of non-JSON types in the shape their schema describes", () => {
    const inputs = [spec("when", DATE), spec("scores", MAP), spec("big", { type: "string", pattern: "^-?[0-9]+$", "x-flyte-type": "bigint" })];
    expect(() => checkTaskInputs("t.x", inputs, [new Date("2026-01-02T03:04:05Z"), new Map([["a", 1]]), 12n])).not.toThrow();
  });

  it("names the input, the path inside it, what was expected and what was found", () => {
    const inputs = [spec("scores", MAP)];
    expect(() => checkTaskInputs("t.x", inputs, [new Map([["a", "high"]])])).toThrow(/inputs\[0\]: input "scores" of task t\.x at \[0\]\[1\]: expected a number, got "high"/);
  });

  it("lets optional inputs and inputs with defaults be left out, and refuses missing or extra ones", () => {
    const inputs = [spec("a", { type: "number" }), spec("b", { type: "number" }, { hasDefault: true }), spec("c", { type: "string" }, { optional: true })];
    expect(() => checkTaskInputs("t.x", inputs, [1])).not.toThrow();
    expect(() => checkTaskInputs("t.x", inputs, [])).toThrow(/needs the input "a"/);
    expect(() => checkTaskInputs("t.x", inputs, [1, 2, "c", 4])).toThrow(/takes 3 input\(s\) \(a, b, c\), got 4/);
  });
});

describe("schemaShape", () => {
  it("turns codec types into their JSON shapes and keeps plain data as it is", () => {
    expect(schemaShape({ at: new Date(0), bytes: new Uint8Array([1, 2]), tags: new Set(["x"]), skip: undefined })).toEqual({
      at: "1970-01-01T00:00:00.000Z",
      bytes: "AQI=",
      tags: ["x"],
    });
    class Ref {
      readonly uri = "s3://bucket/key";
    }
    expect(schemaShape([new Ref(), 1, "s", null])).toEqual(["s3://bucket/key", 1, "s", null]);
  });
});
