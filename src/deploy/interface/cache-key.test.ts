// The cache key's cheap import scan: relative specifiers found by regex and mapped from .js to .ts like NodeNext.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interfaceCacheKey, localSpecifiers, resolveLocalImport } from "./cache-key.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "flyte-key-"));
  await mkdir(path.join(dir, "lib"));
  await writeFile(path.join(dir, "a.ts"), 'import { b } from "./b.js";\nexport * from "./lib";\n');
  await writeFile(path.join(dir, "b.ts"), 'export { a } from "./a.js";\nexport const b = 1;\n');
  await writeFile(path.join(dir, "lib", "index.ts"), "export const c = 2;\n");
  await writeFile(path.join(dir, "c.mts"), "export const d = 3;\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cache key", () => {
  it("finds relative specifiers in imports, re-exports and dynamic imports only", () => {
    const source = [
      'import * as flyte from "flyte";',
      'import { x } from "./x.js";',
      "import type { Y } from '../y.js';",
      'export { z } from "./z.js";',
      'import "./side-effect.js";',
      'const lazy = await import("./lazy.js");',
    ].join("\n");
    expect(localSpecifiers(source)).toEqual(["./x.js", "../y.js", "./z.js", "./side-effect.js", "./lazy.js"]);
  });

  it("maps .js to .ts, .mjs to .mts and a folder to its index.ts", () => {
    const from = path.join(dir, "a.ts");
    expect(resolveLocalImport(from, "./b.js")).toBe(path.join(dir, "b.ts"));
    expect(resolveLocalImport(from, "./c.mjs")).toBe(path.join(dir, "c.mts"));
    expect(resolveLocalImport(from, "./lib")).toBe(path.join(dir, "lib", "index.ts"));
    expect(resolveLocalImport(from, "./missing.js")).toBeUndefined();
  });

  it("is stable, follows import cycles, and changes with any imported file", async () => {
    const file = path.join(dir, "a.ts");
    const first = await interfaceCacheKey(file, undefined);
    expect(await interfaceCacheKey(file, undefined)).toBe(first);
    await writeFile(path.join(dir, "lib", "index.ts"), "export const c = 3;\n");
    expect(await interfaceCacheKey(file, undefined)).not.toBe(first);
  });
});
