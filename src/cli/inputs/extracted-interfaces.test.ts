// Flags against interfaces extracted by the TypeScript compiler (not hand-written): examples/hello.ts as the CLI
// runs it, and the fixture task that has one input of every special kind.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractInterfaces, type FileInterfaces } from "../../deploy/interface/index.js";
import { parseTaskInputs, renderTaskHelp, UsageError } from "./index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let cacheDir: string;
let hello: FileInterfaces;
let types: FileInterfaces;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), "flyte-flags-"));
  hello = await extractInterfaces(path.join(root, "examples/hello.ts"), { cacheDir });
  types = await extractInterfaces(path.join(root, "test/fixtures/interface/types.ts"), { cacheDir });
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const taskOf = (file: () => FileInterfaces, name: string) => {
  const found = file().tasks.find((task) => task.exportName === name);
  if (!found) throw new Error(`no task ${name}`);
  return found;
};

describe("flags for extracted interfaces", () => {
  it("parses `flyte run examples/hello.ts main --xs '[1,2,3]'` and rejects a bad value before anything runs", () => {
    const main = taskOf(() => hello, "main");
    expect(parseTaskInputs(main, ["--xs", "[1,2,3]"])).toEqual([[1, 2, 3]]);
    expect(() => parseTaskInputs(main, ["--xs", "[1,2,x]"])).toThrow(UsageError);
    expect(() => parseTaskInputs(main, [])).toThrow("Task main is missing required input --xs; add:\n  --xs '[1,2,3]'  (number[])");
  });

  it("renders hello's main help", () => {
    expect(renderTaskHelp(taskOf(() => hello, "main"), "examples/hello.ts")).toBe(
      [
        "Usage: flyte run examples/hello.ts main [--input value ...]",
        "",
        "Task main",
        "",
        "Inputs:",
        "  --xs <number[]>  (required)",
        "",
        "Output: { greeting: string; sum: number; summary: string; }",
        "",
        "Example: flyte run examples/hello.ts main --xs '[1,2,3]'",
        "",
      ].join("\n"),
    );
  });

  it("parses every special kind of the fixture's `special` task", () => {
    const special = taskOf(() => types, "special");
    const args = parseTaskInputs(special, [
      "--when", "2024-02-29T10:00:00Z",
      "--bytes", "aGk=",
      "--scores", '[["a",1]]',
      "--tags", '["x","y"]',
      "--big", "9007199254740993",
      "--file", "data/in.csv",
      "--dir", "data",
      "--frame", "t.parquet",
      "--anything", "[1]",
      "--mystery", "text",
      "--nested-dates", '{"at":"2024-01-01T00:00:00Z","amounts":["1"]}',
    ]);
    expect(args).toEqual([
      new Date("2024-02-29T10:00:00Z"),
      new Uint8Array([104, 105]),
      new Map([["a", 1]]),
      new Set(["x", "y"]),
      9007199254740993n,
      "data/in.csv",
      "data",
      "t.parquet",
      [1],
      "text",
      { at: new Date("2024-01-01T00:00:00Z"), amounts: [1n] },
    ]);
  });

  it("fills optional and defaulted parameters with undefined", () => {
    const unions = taskOf(() => types, "unions");
    const args = parseTaskInputs(unions, ["--either", "7", "--nullable", "null", "--choice", "b", "--shape", '["s"]', "--on-off", "auto"]);
    expect(args).toEqual([7, undefined, null, "b", ["s"], "auto"]);
  });
});
