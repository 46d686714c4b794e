// The progress view of `flyte run` in a real terminal (a pty made by util-linux `script`) and in a pipe.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLYTE_BIN, REPO_ROOT, flyteCli } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";

const exec = promisify(execFile);
let localDir = "";
beforeAll(() => {
  localDir = tempDir("flyte-progress-");
});
afterAll(() => rmSync(localDir, { recursive: true, force: true }));

describe("progress view", () => {
  it("draws a live tree in a terminal, collapsing a 300-way fan-out into counts, and restores the cursor", async () => {
    const command = `stty rows 30 cols 100; ${process.execPath} ${FLYTE_BIN} run --local examples/map.ts scoreAll --n 300 --concurrency 20`;
    const { stdout } = await exec("script", ["-qec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { ...process.env, FLYTE_LOCAL_DIR: localDir, NO_COLOR: "1" },
    });
    expect(stdout).toContain("\x1b[?25l"); // cursor hidden while live
    expect(stdout).toContain("\x1b[?25h"); // and shown again
    expect(stdout).toMatch(/\x1b\[\d+A/); // redrawn in place
    expect(stdout).toMatch(/map-example\.score ×300\s+✓ 300/);
    expect(stdout).toMatch(/[▸▾] scoring/);
    expect(stdout).toMatch(/301 actions\s+✓ 301/);
    // The tree never prints one line per action.
    expect(stdout.split("map-example.score ").length).toBeLessThan(20);
  });

  it("prints one plain line per finished action in a pipe", async () => {
    const result = await flyteCli(["run", "--local", "examples/hello.ts", "main", "--xs", "[1,2]"], { localDir });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain("\x1b[");
    expect(result.stderr).toMatch(/^✓ trace fetchGreeting \[[0-9a-f]{8}\] \d+ms$/m);
    expect(result.stderr).toMatch(/^✓ hello\.double \[[0-9a-f]{8}\] \d+ms$/m);
    expect(result.stderr).toMatch(/^✓ run r[a-z0-9]+ succeeded in \d+ms \(7 actions: 7 succeeded\)$/m);
  });

  it("switches to periodic summaries instead of flooding a pipe with a large fan-out", async () => {
    const result = await flyteCli(["run", "--local", "examples/map.ts", "scoreAll", "--n", "3000", "--concurrency", "500"], { localDir });
    expect(result.code).toBe(0);
    expect(result.stderr.split("\n").length).toBeLessThan(100);
    expect(result.stderr).toMatch(/3,001 actions: 3,001 succeeded/);
  });
});
