// The request schema helper: errors name the field, what was found and what is allowed; JSON Schema comes along.
import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error.js";
import { jsonArray, object, optional, queryInteger, record, string } from "./schema.js";

const body = object({ task: string({ pattern: /^\S+\.\S+$/, patternHint: "env.task" }), inputs: jsonArray(), labels: optional(record(string())) });

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).field;
  }
  return undefined;
}

describe("schema", () => {
  it("parses a valid object and leaves optional fields undefined", () => {
    expect(body.parse({ task: "a.b", inputs: [1] }, "body")).toEqual({ task: "a.b", inputs: [1], labels: undefined });
  });

  it("names the field of every kind of mistake", () => {
    expect(fieldOf(() => body.parse({ inputs: [] }, "body"))).toBe("task");
    expect(fieldOf(() => body.parse({ task: "nodot", inputs: [] }, "body"))).toBe("task");
    expect(fieldOf(() => body.parse({ task: "a.b", inputs: {} }, "body"))).toBe("inputs");
    expect(fieldOf(() => body.parse({ task: "a.b", inputs: [], labels: { x: 1 } }, "body"))).toBe("labels.x");
    expect(fieldOf(() => body.parse({ task: "a.b", inputs: [], extra: 1 }, "body"))).toBe("extra");
    expect(fieldOf(() => body.parse(null, "body"))).toBe("body");
    expect(fieldOf(() => queryInteger("1.5", "limit", { min: 1, max: 10 }, 5))).toBe("limit");
    expect(queryInteger(undefined, "limit", { min: 1, max: 10 }, 5)).toBe(5);
  });

  it("describes itself as JSON Schema", () => {
    expect(body.jsonSchema).toMatchObject({
      type: "object",
      required: ["task", "inputs"],
      additionalProperties: false,
      properties: { task: { type: "string", pattern: "^\\S+\\.\\S+$" }, inputs: { type: "array" } },
    });
  });
});
