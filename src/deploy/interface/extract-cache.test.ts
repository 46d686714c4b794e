// The interface cache: a second extraction of an unchanged file reads `<cacheDir>/interfaces/<key>.json` and never
// loads TypeScript; a change to the file or to a file it imports relatively gives a new key.
import { readFile, mkdtemp, rm, writeFile, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { extractInterfaces } from "./index.js";
import { loadTypeScript } from "./load-typescript.js";

vi.mock("./load-typescript.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("./load-typescript.js")>();
  return { loadTypeScript: vi.fn(original.loadTypeScript) };
});

const sdkIndex = fileURLToPath(new URL("../../index.js", import.meta.url));
let dir: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "flyte-iface-cache-"));
  cacheDir = path.join(dir, "cache");
  await writeFile(path.join(dir, "shared.ts"), "export type Item = { id: number };\n");
  await writeFile(
    path.join(dir, "main.ts"),
    `import * as flyte from ${JSON.stringify(sdkIndex)};\nimport type { Item } from "./shared.js";\n` +
      `const env = new flyte.TaskEnvironment({ name: "c" });\nexport const t = env.task(async function t(items: Item[]) { return items.length; });\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  vi.mocked(loadTypeScript).mockClear();
});

describe("interface cache", () => {
  it("serves the second call from the cache file without loading TypeScript", async () => {
    const file = path.join(dir, "main.ts");
    const cold = await extractInterfaces(file, { cacheDir });
    expect(loadTypeScript).toHaveBeenCalledTimes(1);
    const entry = path.join(cacheDir, "interfaces", `${cold.key}.json`);
    expect(JSON.parse(await readFile(entry, "utf8"))).toEqual(cold);
    expect((await readdir(path.dirname(entry))).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    // Mark the cached entry: the warm result must be the file's content, not a fresh extraction.
    await writeFile(entry, JSON.stringify({ ...cold, tasks: cold.tasks.map((task) => ({ ...task, taskName: "from-cache" })) }));
    vi.mocked(loadTypeScript).mockClear();
    const warm = await extractInterfaces(file, { cacheDir });
    expect(loadTypeScript).not.toHaveBeenCalled();
    expect(warm.key).toBe(cold.key);
    expect(warm.tasks[0]?.taskName).toBe("from-cache");
  });

  it("re-extracts when the file or a relatively imported file changes", async () => {
    const file = path.join(dir, "main.ts");
    const before = await extractInterfaces(file, { cacheDir });
    await writeFile(path.join(dir, "shared.ts"), "export type Item = { id: string };\n");
    const after = await extractInterfaces(file, { cacheDir });
    expect(after.key).not.toBe(before.key);
    expect(loadTypeScript).toHaveBeenCalledTimes(1);
    expect(after.tasks[0]?.inputs[0]?.schema).toEqual({ type: "array", items: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } });
  });

  it("treats a damaged cache entry as a miss and rewrites it", async () => {
    const file = path.join(dir, "main.ts");
    const first = await extractInterfaces(file, { cacheDir });
    const entry = path.join(cacheDir, "interfaces", `${first.key}.json`);
    await writeFile(entry, "{ not json");
    vi.mocked(loadTypeScript).mockClear();
    const again = await extractInterfaces(file, { cacheDir });
    expect(loadTypeScript).toHaveBeenCalledTimes(1);
    expect(again.tasks[0]?.taskName).toBe("t");
    expect(JSON.parse(await readFile(entry, "utf8"))).toEqual(again);
  });
});
