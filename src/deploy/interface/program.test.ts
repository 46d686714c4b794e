// Which files the interface program reads: flyte's own modules and Node's types, but not the packages flyte's
// internals are built on (they never shape a task's parameters, and parsing them was most of a first read's cost),
// unless the user's file imports one of them itself.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { extractInterfaces } from "./index.js";
import { createInterfaceProgram } from "./program.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const INTERNAL_PACKAGES = /[/\\]node_modules[/\\](@aws-sdk|@smithy|hono|@hono|postgres|better-sqlite3|esbuild)[/\\]/;

function programFiles(file: string): string[] {
  const program = createInterfaceProgram(ts, file, path.join(root, "tsconfig.json"));
  return program.getSourceFiles().map((source) => source.fileName);
}

describe("createInterfaceProgram", () => {
  it("reads flyte and Node's types, not the packages flyte is built on", () => {
    const files = programFiles(path.join(root, "examples/hello.ts"));
    expect(files).toContain(path.join(root, "src/index.ts"));
    expect(files.some((file) => file.includes(`${path.sep}@types${path.sep}node${path.sep}`))).toBe(true);
    expect(files.filter((file) => INTERNAL_PACKAGES.test(file))).toEqual([]);
  });

  it("follows a package the user's file imports itself, and types the task by it", async () => {
    const fixture = path.join(root, "test/fixtures/interface/package-types.ts");
    expect(programFiles(fixture).some((file) => /[/\\]node_modules[/\\]hono[/\\]/.test(file))).toBe(true);
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "flyte-iface-"));
    try {
      const { tasks } = await extractInterfaces(fixture, { cacheDir });
      expect(tasks.find((task) => task.exportName === "route")?.inputs[0]?.schema).toEqual({ type: "string" });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
