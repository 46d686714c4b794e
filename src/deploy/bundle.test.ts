import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { errorCode } from "../errors/index.js";
import { bundleEntry, stopBundler } from "./bundle.js";

const dirs: string[] = [];
afterAll(async () => {
  await stopBundler();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// A stand-in "flyte" package whose env.task names the task after its function, as the SDK does (under vitest the
// real SDK answers "flyte" instead, through the config's alias: the assertions hold for both).
const FAKE_FLYTE = `export class TaskEnvironment {
  constructor(options) { this.name = options.name; }
  task(...args) {
    const fn = args[args.length - 1];
    return Object.assign((...inputs) => fn(...inputs), { id: this.name + "." + fn.name });
  }
}
export const io = true;
`;

const TASKS = `import * as flyte from "flyte";
import { File } from "flyte/io";
import leftPad from "left-pad";
import { join } from "node:path";
import { helper } from "./helper";

const env = new flyte.TaskEnvironment({ name: "bundled" });

export const main = env.task(async function main(x: number): Promise<string> {
  return leftPad(helper(x), 5) + join("a", "b") + typeof File;
});

export const fails = env.task(async function fails(): Promise<never> {
  throw new Error("boom from the task");
});
`;

/** A project folder with the task file, a local helper and installed packages, as a user would have it. */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "flyte-bundle-"));
  dirs.push(dir);
  const all: Record<string, string> = {
    "src/tasks.ts": TASKS,
    "src/helper.ts": "export function helper(x: number): string {\n  return `h${x}`;\n}\n",
    "node_modules/flyte/package.json": JSON.stringify({ name: "flyte", version: "9.8.7", type: "module", exports: { ".": "./index.js", "./io": "./io.js" } }),
    "node_modules/flyte/index.js": FAKE_FLYTE,
    "node_modules/flyte/io.js": "export class File {}\n",
    "node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0", main: "index.js" }),
    "node_modules/left-pad/index.js": "module.exports = (s, n) => String(s).padStart(n);\n",
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("bundleEntry", () => {
  it("is deterministic: the same file bundles to the same bytes, wherever the checkout is", async () => {
    const first = project();
    const second = mkdtempSync(path.join(tmpdir(), "flyte-bundle-elsewhere-"));
    dirs.push(second);
    cpSync(first, second, { recursive: true });

    const a = await bundleEntry("src/tasks.ts", { cwd: first });
    const again = await bundleEntry(path.join(first, "src/tasks.ts"), { cwd: first });
    const b = await bundleEntry("src/tasks.ts", { cwd: second });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(again.code).toBe(a.code);
    expect(b.code).toBe(a.code);
    expect(b.hash).toBe(a.hash);
    expect(a.entry).toBe("src/tasks.ts");
    expect(a.code).not.toContain(first);
    expect(b.code).not.toContain(second);
  });

  it("changes the hash when one line changes, in the entry or in a file it imports", async () => {
    const dir = project();
    const before = await bundleEntry("src/tasks.ts", { cwd: dir });
    writeFileSync(path.join(dir, "src/helper.ts"), "export function helper(x: number): string {\n  return `g${x}`;\n}\n");
    const helperChanged = await bundleEntry("src/tasks.ts", { cwd: dir });
    expect(helperChanged.hash).not.toBe(before.hash);
    writeFileSync(path.join(dir, "src/tasks.ts"), TASKS.replace("boom from the task", "boom"));
    const entryChanged = await bundleEntry("src/tasks.ts", { cwd: dir });
    expect(entryChanged.hash).not.toBe(helperChanged.hash);
  });

  it("inlines relative imports, keeps npm packages and flyte as imports, and lists them with their versions", async () => {
    const dir = project();
    const bundle = await bundleEntry("src/tasks.ts", { cwd: dir });
    expect(bundle.externals).toEqual({ flyte: "9.8.7", "left-pad": "1.3.0" });
    expect(bundle.code).toMatch(/from "flyte"/);
    expect(bundle.code).toMatch(/from "flyte\/io"/);
    expect(bundle.code).toMatch(/from "left-pad"/);
    expect(bundle.code).toMatch(/from "node:path"/);
    expect(bundle.code).toContain("function helper(");
    expect(bundle.code).not.toContain("padStart");
  });

  it("keeps flyte external even where a tsconfig maps it to source files", async () => {
    const dir = project({
      "tsconfig.json": JSON.stringify({ compilerOptions: { paths: { flyte: ["./lib/flyte.ts"], "flyte/io": ["./lib/io.ts"] } } }),
      "lib/flyte.ts": "export const inlinedByMistake = 1;\n",
      "lib/io.ts": "export const inlinedByMistake = 2;\n",
    });
    const bundle = await bundleEntry("src/tasks.ts", { cwd: dir });
    expect(bundle.code).not.toContain("inlinedByMistake");
    expect(bundle.externals["flyte"]).toBe("9.8.7");
  });

  it("keeps function names, which are task names, when bundling renames clashing identifiers", async () => {
    const dir = project();
    const bundle = await bundleEntry("src/tasks.ts", { cwd: dir });
    const file = path.join(dir, "bundle.mjs");
    writeFileSync(file, bundle.code);
    const loaded = (await import(pathToFileURL(file).href)) as Record<string, ((x: number) => Promise<string>) & { id: string }>;
    expect(loaded["main"]?.id).toBe("bundled.main");
    expect(loaded["fails"]?.id).toBe("bundled.fails");
    expect(await loaded["main"]!(7)).toBe("   h7a/bfunction");
  });

  it("carries an inline source map with the TypeScript sources, by relative path", async () => {
    const dir = project();
    const bundle = await bundleEntry("src/tasks.ts", { cwd: dir });
    const match = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(bundle.code);
    expect(match).not.toBeNull();
    const map = JSON.parse(Buffer.from(match![1]!, "base64").toString("utf8")) as { sources: string[]; sourcesContent: string[] };
    expect([...map.sources].sort()).toEqual(["src/helper.ts", "src/tasks.ts"]);
    expect(map.sourcesContent[map.sources.indexOf("src/tasks.ts")]).toBe(TASKS);
  });

  it("names the file, line and column of a syntax error", async () => {
    const dir = project({ "src/broken.ts": 'import * as flyte from "flyte";\n\nexport const x = (1 +;\n' });
    const error = await bundleEntry("src/broken.ts", { cwd: dir }).then(() => new Error("expected a rejection"), (e: unknown) => e);
    expect(errorCode(error)).toBe("CODE_BUNDLE");
    expect((error as Error).message).toMatch(/^cannot bundle src\/broken\.ts:\n {2}src\/broken\.ts:3:\d+: /);
    expect((error as Error).message).toContain("export const x = (1 +;");
  });

  it("names a relative import that does not resolve, a missing file and a package that is not installed", async () => {
    const dir = project({
      "src/bad-import.ts": 'import { nope } from "./missing";\nexport const y = nope;\n',
      "src/no-package.ts": 'import thing from "not-installed-pkg/sub";\nexport const z = thing;\n',
    });
    const badImport = await bundleEntry("src/bad-import.ts", { cwd: dir }).then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(badImport.message).toContain('src/bad-import.ts:1:22: Could not resolve "./missing"');
    const missing = await bundleEntry("src/nowhere.ts", { cwd: dir }).then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(errorCode(missing)).toBe("CODE_BUNDLE");
    expect(missing.message).toBe(`cannot bundle src/nowhere.ts: the file does not exist (looked for ${path.join(dir, "src/nowhere.ts")})`);
    const noPackage = await bundleEntry("src/no-package.ts", { cwd: dir }).then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(noPackage.message).toContain('src/no-package.ts imports the package "not-installed-pkg", which is not installed');
  });
});
