// extractInterfaces on files written to a temp folder: what must be rejected (missing file, syntax errors, no
// tasks), what must not (type errors), and the interface hash following the signature, not the body.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../errors/index.js";
import { extractInterfaces } from "./index.js";

// Absolute, so the temp files (outside any tsconfig) import the SDK source directly.
const sdkIndex = fileURLToPath(new URL("../../index.js", import.meta.url));
let dir: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "flyte-iface-src-"));
  cacheDir = path.join(dir, "cache");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTaskFile(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `import * as flyte from ${JSON.stringify(sdkIndex)};\nconst env = new flyte.TaskEnvironment({ name: "e" });\n${body}\n`);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe("extractInterfaces errors", () => {
  it("rejects a missing file, naming it", async () => {
    const error = await rejection(extractInterfaces(path.join(dir, "nope.ts"), { cacheDir }));
    expect(error.message).toContain("nope.ts does not exist");
    expect(error.code).toBe("INVALID_INPUT");
  });

  it("rejects a file with syntax errors, with line:col and the compiler's message", async () => {
    const file = await writeTaskFile("broken.ts", "export const t = env.task(async function t(a: number { return a; });");
    const error = await rejection(extractInterfaces(file, { cacheDir }));
    expect(error.message).toContain("broken.ts has syntax errors");
    expect(error.message).toMatch(/broken\.ts:3:54 ',' expected/);
  });

  it("rejects a file whose local import has syntax errors, naming that file", async () => {
    await writeFile(path.join(dir, "helper.ts"), "export const f = (a: number => a;\n");
    const file = await writeTaskFile("uses-helper.ts", 'import { f } from "./helper.js";\nexport const t = env.task(async function t(a: number) { return f(a); });');
    const error = await rejection(extractInterfaces(file, { cacheDir }));
    expect(error.message).toContain("uses-helper.ts has syntax errors");
    expect(error.message).toMatch(/helper\.ts:1:\d+ /);
  });

  it("rejects a file that exports no task, with an example of one", async () => {
    const file = await writeTaskFile("none.ts", "export const x = 1;\nconst hidden = env.task(async function hidden() {});\nvoid hidden;");
    const error = await rejection(extractInterfaces(file, { cacheDir }));
    expect(error.message).toContain("none.ts exports no tasks");
    expect(error.message).toContain("export const main = env.task(");
  });

  it("names imports that could not be resolved when no task is found", async () => {
    const file = path.join(dir, "unresolved.ts");
    await writeFile(file, 'import * as flyte from "not-a-package";\nexport const t = new flyte.TaskEnvironment({ name: "x" }).task(async function t() {});\n');
    const error = await rejection(extractInterfaces(file, { cacheDir }));
    expect(error.message).toContain("Cannot find module 'not-a-package'");
  });

  it("does not block on type errors", async () => {
    const file = await writeTaskFile("typed.ts", 'export const t = env.task(async function t(a: number): Promise<number> { const s: string = a; return s; });');
    const result = await extractInterfaces(file, { cacheDir });
    expect(result.tasks.map((task) => task.inputs[0]?.schema)).toEqual([{ type: "number" }]);
  });
});

describe("interface hash", () => {
  const hashOf = async (name: string, signature: string, body: string): Promise<string> => {
    const file = await writeTaskFile(name, `export const t = env.task(async function t(${signature}) { ${body} });`);
    const result = await extractInterfaces(file, { cacheDir });
    return result.tasks[0]!.interfaceHash;
  };

  it("changes when a parameter type changes, not when the body changes", async () => {
    const base = await hashOf("h1.ts", "xs: number[]", "return xs.length;");
    const otherBody = await hashOf("h2.ts", "xs: number[]", "const n = xs.length * 2; return n / 2;");
    const otherType = await hashOf("h3.ts", "xs: string[]", "return xs.length;");
    expect(otherBody).toBe(base);
    expect(otherType).not.toBe(base);
  });
});
