// The README's first command runs examples/hello.ts; this runs it the same way, as a real process.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "./support/local-dir.js";
import { rmSync } from "node:fs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);

describe("examples/hello.ts", () => {
  it("runs, prints the result, and hits the cache the second time", async () => {
    const dir = tempDir();
    try {
      const env = { ...process.env, FLYTE_LOCAL_DIR: dir };
      const script = path.join(root, "examples/hello.ts");
      const tsx = path.join(root, "node_modules/.bin/tsx");
      const first = await run(tsx, [script, "[1,2,3]"], { cwd: root, env });
      expect(JSON.parse(first.stdout.slice(0, first.stdout.lastIndexOf("}") + 1))).toEqual({
        greeting: "hello, flyte",
        sum: 24,
        summary: "the doubled sum is 24",
      });
      expect(first.stdout).toMatch(/run r[a-z0-9]+: succeeded, 9 actions \(1 cache hits\)/);
      const second = await run(tsx, [script, "[1,2,3]"], { cwd: root, env });
      expect(second.stdout).toMatch(/succeeded, 9 actions \(6 cache hits\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
