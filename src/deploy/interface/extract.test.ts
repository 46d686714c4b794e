// Interface extraction on the fixtures in test/fixtures/interface: every type mapping, optional and default
// parameters, how tasks are found and named, and examples/hello.ts (which imports "flyte" via tsconfig paths).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractInterfaces, type FileInterfaces, type InputSpec, type TaskInterface } from "./index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = (name: string): string => path.join(root, "test/fixtures/interface", name);
let cacheDir: string;
const results = new Map<string, FileInterfaces>();

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), "flyte-iface-"));
  for (const name of ["types.ts", "params.ts", "named.ts"]) results.set(name, await extractInterfaces(fixture(name), { cacheDir }));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function task(file: string, exportName: string): TaskInterface {
  const found = results.get(file)?.tasks.find((t) => t.exportName === exportName);
  if (!found) throw new Error(`no task ${exportName} in ${file}`);
  return found;
}
function input(file: string, exportName: string, name: string): InputSpec {
  const found = task(file, exportName).inputs.find((i) => i.name === name);
  if (!found) throw new Error(`no input ${name} in ${exportName}`);
  return found;
}
const schemaOf = (exportName: string, name: string): unknown => input("types.ts", exportName, name).schema;

describe("type → JSON Schema", () => {
  it("maps primitives", () => {
    expect(task("types.ts", "primitives").inputs.map((i) => [i.name, i.schema, i.typeText])).toEqual([
      ["n", { type: "number" }, "number"],
      ["s", { type: "string" }, "string"],
      ["b", { type: "boolean" }, "boolean"],
      ["nil", { type: "null" }, "null"],
    ]);
  });

  it("maps literals, unions of literals and enums to sorted enums", () => {
    expect(schemaOf("literals", "mode")).toEqual({ type: "string", enum: ["fast", "slow"] });
    expect(schemaOf("literals", "level")).toEqual({ type: "number", enum: [1, 2, 3] });
    expect(schemaOf("literals", "flag")).toEqual({ type: "boolean", enum: [true] });
    expect(schemaOf("literals", "color")).toEqual({ type: "string", enum: ["green", "red"] });
    expect(task("types.ts", "literals").output).toEqual({ type: "string", enum: ["ok"] });
  });

  it("maps arrays, readonly arrays and tuples", () => {
    expect(schemaOf("collections", "xs")).toEqual({ type: "array", items: { type: "number" } });
    expect(schemaOf("collections", "names")).toEqual({ type: "array", items: { type: "string" } });
    expect(schemaOf("collections", "pair")).toEqual({ type: "array", prefixItems: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 });
    expect(schemaOf("collections", "labeled")).toEqual({ type: "array", prefixItems: [{ type: "number" }, { type: "string" }], minItems: 1, maxItems: 2 });
    expect(schemaOf("collections", "open")).toEqual({ type: "array", prefixItems: [{ type: "number" }], minItems: 1, items: { type: "string" } });
    expect(schemaOf("collections", "grid")).toEqual({ type: "array", items: { type: "array", items: { type: "number" } } });
  });

  it("maps objects, interfaces and index signatures, keeping them open", () => {
    const point = { type: "object", properties: { x: { type: "number" }, y: { type: "number" }, label: { type: "string" } }, required: ["x", "y"] };
    expect(schemaOf("objects", "point")).toEqual(point);
    expect(schemaOf("objects", "inline")).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number" }, c: { type: "boolean" } },
      required: ["a"],
    });
    expect(schemaOf("objects", "counts")).toEqual({ type: "object", additionalProperties: { type: "number" } });
    expect(schemaOf("objects", "flags")).toEqual({ type: "object", additionalProperties: { type: "boolean" } });
    expect(schemaOf("objects", "mixed")).toEqual({
      type: "object",
      properties: { name: { type: "string" } },
      required: ["name"],
      additionalProperties: { type: "string" },
    });
    expect(schemaOf("objects", "nested")).toEqual({
      type: "object",
      properties: { inner: { type: "object", properties: { deep: { type: "array", items: point } }, required: ["deep"] } },
      required: ["inner"],
    });
    expect(task("types.ts", "objects").output).toEqual(point);
    expect(task("types.ts", "objects").outputTypeText).toBe("Point");
  });

  it("maps unions to anyOf and collapses `| undefined` into optional", () => {
    expect(schemaOf("unions", "either")).toEqual({ anyOf: [{ type: "number" }, { type: "string" }] });
    expect(input("types.ts", "unions", "maybe")).toMatchObject({ schema: { type: "number" }, optional: true, typeText: "number" });
    expect(input("types.ts", "unions", "nullable")).toMatchObject({ schema: { anyOf: [{ type: "null" }, { type: "string" }] }, optional: false, typeText: "string | null" });
    expect(schemaOf("unions", "choice")).toEqual({ enum: [null, "a", "b"] });
    expect(schemaOf("unions", "shape")).toMatchObject({ anyOf: [{ type: "array", items: { type: "string" } }, { type: "object" }] });
    expect(schemaOf("unions", "onOff")).toEqual({ anyOf: [{ type: "string", enum: ["auto"] }, { type: "boolean" }] });
    expect(task("types.ts", "unions").output).toEqual({ anyOf: [{ type: "null" }, { type: "string" }] });
  });

  it("maps Date, bytes, Map, Set, bigint, File/Dir/DataFrame, any and unknown", () => {
    const date = { type: "string", format: "date-time", "x-flyte-type": "date" };
    const bigint = { type: "string", pattern: "^-?[0-9]+$", "x-flyte-type": "bigint" };
    expect(schemaOf("special", "when")).toEqual(date);
    expect(schemaOf("special", "bytes")).toEqual({ type: "string", contentEncoding: "base64", "x-flyte-type": "bytes" });
    const entry = { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 };
    expect(schemaOf("special", "scores")).toEqual({ type: "array", items: entry, "x-flyte-type": "map" });
    expect(schemaOf("special", "tags")).toEqual({ type: "array", items: { type: "string" }, "x-flyte-type": "set" });
    expect(schemaOf("special", "big")).toEqual(bigint);
    expect(schemaOf("special", "file")).toEqual({ type: "string", "x-flyte-type": "file" });
    expect(schemaOf("special", "dir")).toEqual({ type: "string", "x-flyte-type": "dir" });
    expect(schemaOf("special", "frame")).toEqual({ type: "string", "x-flyte-type": "dataframe" });
    expect(schemaOf("special", "anything")).toEqual({});
    expect(schemaOf("special", "mystery")).toEqual({});
    expect(schemaOf("special", "nestedDates")).toEqual({
      type: "object",
      properties: { at: date, amounts: { type: "array", items: bigint } },
      required: ["amounts", "at"],
    });
    expect(task("types.ts", "special").output).toMatchObject({ "x-flyte-type": "map", items: { prefixItems: [{ type: "string" }, date] } });
  });

  it("cuts recursive types at depth 8 with {}", () => {
    let schema = schemaOf("recursive", "tree") as Record<string, any>;
    let levels = 0;
    while (schema.properties?.children?.items) {
      schema = schema.properties.children.items;
      levels++;
    }
    expect(levels).toBeGreaterThan(2);
    expect(schema.properties.children).toEqual({});
  });

  it("unwraps Promise outputs and maps void / undefined to null", () => {
    expect(task("types.ts", "nothing")).toMatchObject({ inputs: [], output: { type: "null" }, outputTypeText: "void" });
    expect(task("types.ts", "undefinedOutput").output).toEqual({ type: "null" });
    expect(task("types.ts", "syncTask")).toMatchObject({ output: { type: "number" }, outputTypeText: "number" });
    expect(task("types.ts", "collections").outputTypeText).toBe("number[]");
  });
});

describe("parameters", () => {
  it("reads optionality and literal defaults, typing unannotated defaults by their value", () => {
    const rows = task("params.ts", "withDefaults").inputs.map((i) => [i.name, i.optional, i.hasDefault, "default" in i ? i.default : "-", i.typeText]);
    expect(rows).toEqual([
      ["required", false, false, "-", "string"],
      ["maybe", true, false, "-", "number"],
      ["count", true, true, 5, "number"],
      ["label", true, true, "x", "string"],
      ["sizes", true, true, [1, 2], "number[]"],
      ["config", true, true, { depth: -1, name: "n", on: true, none: null }, "{ depth: number; name: string; on: boolean; none: null; }"],
      ["negative", true, true, -2.5, "number"],
      ["computed", true, true, "-", "number"],
      ["nullable", true, true, null, "string | null"],
    ]);
    expect(input("params.ts", "withDefaults", "count").schema).toEqual({ type: "number" });
    expect(input("params.ts", "withDefaults", "sizes").schema).toEqual({ type: "array", items: { type: "number" } });
  });

  it("marks a rest parameter and names a destructured one arg<i> like the SDK does", () => {
    expect(task("params.ts", "restParams").inputs[1]).toEqual({
      name: "others",
      schema: { type: "array", items: { type: "number" } },
      optional: true,
      hasDefault: false,
      rest: true,
      typeText: "number[]",
    });
    expect(task("params.ts", "destructured").inputs.map((i) => i.name)).toEqual(["arg0"]);
  });

  it("reads the function's parameters when the export is typed as a bare Task", () => {
    expect(task("params.ts", "untyped").inputs.map((i) => [i.name, i.schema, i.optional, i.rest ?? false, i.typeText])).toEqual([
      ["a", { type: "number" }, false, false, "number"],
      ["more", { type: "array", items: { type: "string" } }, true, true, "string[]"],
    ]);
    expect(task("params.ts", "untyped").output).toEqual({});
  });

  it("says nothing ({}) about function-typed values and leaves function properties out", () => {
    expect(input("params.ts", "callback", "fn").schema).toEqual({});
    expect(input("params.ts", "callback", "opts").schema).toEqual({ type: "object", properties: { n: { type: "number" } }, required: ["n"] });
  });
});

describe("finding and naming tasks", () => {
  it("lists only exported tasks, in export order, ignoring other exports", () => {
    expect(results.get("named.ts")?.tasks.map((t) => [t.exportName, t.taskName])).toEqual([
      ["loud", "shout"],
      ["renamed", "custom_name"],
      ["arrow", "halve"],
      ["overridden", "louder"],
      ["alias", "shout"],
      ["default", "byDefault"],
    ]);
  });

  it("reads parameters of a function declared separately and then wrapped", () => {
    expect(task("named.ts", "loud").inputs).toEqual([{ name: "text", schema: { type: "string" }, optional: false, hasDefault: false, typeText: "string" }]);
  });

  it("gives the interface hash as sha256 hex, equal for equal interfaces", () => {
    expect(task("named.ts", "loud").interfaceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(task("named.ts", "loud").interfaceHash).toBe(task("named.ts", "overridden").interfaceHash);
    expect(task("named.ts", "renamed").interfaceHash).toBe(task("named.ts", "arrow").interfaceHash);
    expect(task("named.ts", "loud").interfaceHash).not.toBe(task("named.ts", "arrow").interfaceHash);
  });

  it("extracts examples/hello.ts, whose `flyte` import resolves through tsconfig paths", async () => {
    const hello = await extractInterfaces(path.join(root, "examples/hello.ts"), { cacheDir });
    expect(hello.tasks.map((t) => t.exportName)).toEqual(["double", "describe", "main"]);
    const main = hello.tasks[2]!;
    expect(main.inputs).toEqual([{ name: "xs", schema: { type: "array", items: { type: "number" } }, optional: false, hasDefault: false, typeText: "number[]" }]);
    expect(main.output).toEqual({
      type: "object",
      properties: { greeting: { type: "string" }, sum: { type: "number" }, summary: { type: "string" } },
      required: ["greeting", "sum", "summary"],
    });
  });
});
