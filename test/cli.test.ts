// End-to-end tests of the `flyte` command: real processes, real files, a temp state folder per test file.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, flyteCli, parseOutput, spawnFlyte } from "./support/cli.js";
import { until } from "./support/process.js";
import { tempDir } from "./support/local-dir.js";

let localDir = "";
beforeAll(() => {
  localDir = tempDir("flyte-cli-");
});
afterAll(() => rmSync(localDir, { recursive: true, force: true }));

const flyte = (...args: string[]) => flyteCli(args, { localDir });

async function runCount(): Promise<number> {
  const list = await flyte("get", "run", "--json", "--limit", "1000");
  expect(list.code).toBe(0);
  return (JSON.parse(list.stdout) as unknown[]).length;
}

describe("flyte run --local", () => {
  it("runs examples/hello.ts main with --xs and prints the result", async () => {
    const result = await flyte("run", "--local", "examples/hello.ts", "main", "--xs", "[1,2,3]");
    expect(result.stderr).toMatch(/✓ run r[a-z0-9]+ succeeded/);
    expect(result.code).toBe(0);
    expect(parseOutput(result.stdout)).toEqual({ greeting: "hello, flyte", sum: 24, summary: "the doubled sum is 24" });
  });

  it("rejects bad input with exit 2 before any run is created, naming the input and the expected type", async () => {
    // Written at test time: a committed file with a syntax error would break the type-check of the repository.
    const broken = path.join(localDir, "syntax-error.ts");
    writeFileSync(broken, 'import * as flyte from "flyte";\nconst env = new flyte.TaskEnvironment({ name: "broken" });\nexport const broken = env.task(async function broken(x: number) {\n  return x +;\n});\n');
    const before = await runCount();
    const cases: Array<[string[], RegExp]> = [
      [["examples/hello.ts", "main", "--xs", "abc"], /--xs.*number\[\]/s],
      [["examples/hello.ts", "main"], /--xs.*required|required.*--xs/is],
      [["examples/hello.ts", "main", "--xs", "[1]", "--ys", "2"], /--ys/],
      [["examples/hello.ts", "nosuchtask"], /no task named "nosuchtask".*main/s],
      [[broken, "broken", "--x", "1"], /syntax-error\.ts:4:\d+.*expression expected/is],
      [["examples/does-not-exist.ts", "main"], /does-not-exist\.ts/],
    ];
    for (const [args, message] of cases) {
      const result = await flyte("run", "--local", ...args);
      expect(result.code, `${args.join(" ")}\n${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(await runCount()).toBe(before);
  });

  it("lists a task's inputs with their types and defaults on FILE TASK --help", async () => {
    const result = await flyte("run", "--local", "examples/map.ts", "scoreAll", "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--n\b.*number.*required/);
    expect(result.stdout).toMatch(/--concurrency\b.*number.*default: 8/);
  });

  it("exits 1 on a failed run, naming the failing action and its error", async () => {
    const result = await flyte("run", "--local", "examples/errors.ts", "charge", "--amounts", "[10, -5]");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/✗ run r[a-z0-9]+ failed/);
    expect(result.stderr).toMatch(/failing action: [0-9a-f]{16} \(errors-example\.chargeOne, attempt 1\)/);
    expect(result.stderr).toMatch(/NonRecoverableError \[user\/NON_RECOVERABLE\]: negative amount -5/);
  });
});

describe("examples", () => {
  it("map: concurrency-capped fan-out in order", async () => {
    const result = await flyte("run", "--local", "examples/map.ts", "scoreAll", "--n", "20", "--concurrency", "3");
    expect(result.code).toBe(0);
    const out = parseOutput(result.stdout) as { scores: number[]; best: number };
    expect(out.scores).toEqual(Array.from({ length: 20 }, (_, i) => (i * 37) % 101));
  });

  it("cache: the second run executes nothing", async () => {
    const args = ["run", "--local", "--follow", "examples/cache.ts", "pipeline", "--words", '["ab","cde"]'];
    const first = await flyte(...args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("embedding cde");
    const second = await flyte(...args);
    expect(second.code).toBe(0);
    expect(parseOutput(second.stdout)).toBe(5);
    expect(second.stderr).not.toContain("embedding");
    expect(second.stderr).toMatch(/cache hit/);
  });

  it("retries: a flaky task succeeds within its budget, every attempt recorded", async () => {
    const result = await flyte("run", "--local", "examples/retries.ts", "main", "--failures", "2");
    expect(result.code).toBe(0);
    expect(parseOutput(result.stdout)).toBe("succeeded on attempt 3");
    const run = /run (r[a-z0-9]+) succeeded/.exec(result.stderr)![1]!;
    const tree = await flyte("get", "run", run, "--json");
    const { actions } = JSON.parse(tree.stdout) as { actions: Array<{ name: string; taskName: string }> };
    const flaky = actions.find((a) => a.taskName === "retries-example.flaky")!;
    const details = await flyte("get", "action", run, flaky.name, "--json");
    const { attempts } = JSON.parse(details.stdout) as { attempts: Array<{ phase: string; error: { message: string } | null }> };
    expect(attempts.map((a) => a.phase)).toEqual(["failed", "failed", "succeeded"]);
    expect(attempts[0]!.error?.message).toBe("transient failure on attempt 1");
  });

  it("traces: the retried task reuses its recorded model calls", async () => {
    const result = await flyte("run", "--local", "--follow", "examples/traces.ts", "agent", "--question", "why");
    expect(result.code).toBe(0);
    expect(result.stderr.match(/calling the model/g)).toHaveLength(2);
  });

  it("groups: actions are recorded in nested groups", async () => {
    const result = await flyte("run", "--local", "examples/groups.ts", "train", "--epochs", "2");
    expect(result.code).toBe(0);
    const run = /run (r[a-z0-9]+) succeeded/.exec(result.stderr)![1]!;
    const tree = await flyte("get", "run", run);
    expect(tree.stdout).toContain("▸ group epoch-0");
    expect(tree.stdout).toContain("▸ group epoch-1");
  });

  it("reports: get report writes the HTML", async () => {
    const result = await flyte("run", "--local", "examples/reports.ts", "summarize", "--values", "[3,1,4]");
    expect(result.code).toBe(0);
    const run = /run (r[a-z0-9]+) succeeded/.exec(result.stderr)![1]!;
    const out = path.join(localDir, "report.html");
    const report = await flyte("get", "report", run, "a0", "--out", out);
    expect(report.code).toBe(0);
    expect(report.stdout.trim()).toBe(out);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<h1>Summary</h1>");
    expect(html).toContain(">Chart</button>");
  });

  it("errors: the parent catches the child's error class and carries on", async () => {
    const result = await flyte("run", "--local", "examples/errors.ts", "charge", "--amounts", "[10, 2000]");
    expect(result.code).toBe(0);
    expect(parseOutput(result.stdout)).toEqual(["charged 10", "declined: amount 2000 is over the limit of 1000"]);
  });
});

describe("flyte get", () => {
  it("lists runs, shows one with its tree, its logs and actions, also as JSON", async () => {
    const misplaced = await flyte("run", "--local", "examples/cache.ts", "pipeline", "--words", '["logs"]', "--overwrite-cache");
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--overwrite-cache is an option of "flyte run", not an input of task pipeline; put it before the file');
    const result = await flyte("run", "--local", "--overwrite-cache", "examples/cache.ts", "pipeline", "--words", '["logs"]');
    expect(result.code).toBe(0);
    const run = /run (r[a-z0-9]+) succeeded/.exec(result.stderr)![1]!;
    const list = await flyte("get", "run");
    expect(list.stdout).toContain(run);
    const one = await flyte("get", "run", run);
    expect(one.stdout).toMatch(new RegExp(`run ${run}: succeeded`));
    expect(one.stdout).toContain("cache-example.embed");
    const logs = await flyte("get", "logs", run);
    expect(logs.stdout).toMatch(/\[[0-9a-f]{16}\] embedding logs/);
    const logsJson = JSON.parse((await flyte("get", "logs", run, "--json")).stdout) as Array<{ text: string; stream: string }>;
    expect(logsJson.some((l) => l.text === "embedding logs\n" && l.stream === "stdout")).toBe(true);
    const root = JSON.parse((await flyte("get", "action", run, "--json")).stdout) as { action: { name: string; phase: string } };
    expect(root.action).toMatchObject({ name: "a0", phase: "succeeded" });
  });

  it("names what is missing: unknown run, unknown action", async () => {
    const run = await flyte("get", "run", "rnosuchrun");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('run "rnosuchrun" does not exist');
  });
});

describe("config", () => {
  it("create config writes .flyte/config.yaml that get config then shows", async () => {
    const cwd = tempDir("flyte-config-");
    try {
      const created = await flyteCli(["create", "config", "--project", "ml", "--domain", "staging"], { localDir: "", cwd, env: { FLYTE_LOCAL_DIR: "" } });
      expect(created.code).toBe(0);
      const shown = await flyteCli(["get", "config", "--json"], { localDir: "", cwd, env: { FLYTE_LOCAL_DIR: "" } });
      expect(JSON.parse(shown.stdout)).toMatchObject({ project: "ml", domain: "staging", path: path.join(cwd, ".flyte/config.yaml") });
      const again = await flyteCli(["create", "config"], { localDir: "", cwd, env: { FLYTE_LOCAL_DIR: "" } });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("--force");
      writeFileSync(path.join(cwd, "bad.yaml"), "projekt: x\n");
      const bad = await flyteCli(["get", "config"], { localDir: "", cwd, env: { FLYTE_LOCAL_DIR: "", FLYTE_CONFIG: "bad.yaml" } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/unknown option "projekt".*project/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe("abort and resume across processes", () => {
  it("flyte abort run stops a run executing in another process", async () => {
    const child = spawnFlyte(["run", "--local", "--name", "abortme", "test/fixtures/cli/slow.ts", "sleepy", "--count", "3", "--ms", "60000"], { localDir });
    const done = collect(child);
    // Generous deadlines: under a loaded CI machine the child alone can take seconds to start.
    await until(
      "the run's four actions",
      async () => {
        const state = await flyte("get", "run", "abortme", "--json");
        return state.code === 0 && (JSON.parse(state.stdout) as { actions: unknown[] }).actions.length >= 4 ? true : undefined;
      },
      45_000,
    );
    const abort = await flyte("abort", "run", "abortme");
    expect(abort.stdout).toContain("run abortme: aborted");
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run abortme aborted/);
  }, 120_000);

  it("flyte run --resume finishes a killed run without re-running what succeeded", async () => {
    const execLog = path.join(localDir, "exec.log");
    writeFileSync(execLog, "");
    const env = { FLYTE_TEST_EXEC_LOG: execLog, FLYTE_TEST_HANG_BATCH: "3" };
    const child = spawnFlyte(["run", "--local", "--name", "killme", "test/fixtures/resumable.ts", "workflow", "--batches", "5", "--width", "20"], {
      localDir,
      env,
    });
    const exited = collect(child);
    await until("all 20 steps of batch 3 to start", () => (readFileSync(execLog, "utf8").split("\n").filter((l) => l.startsWith("step:3:")).length >= 20 ? true : undefined), 45_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    const resumed = await flyteCli(["run", "--resume", "killme"], { localDir, env: { FLYTE_TEST_EXEC_LOG: execLog } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const expected = Array.from({ length: 5 }, (_, b) => Array.from({ length: 20 }, (_, i) => b * 100 + i).reduce((x, y) => x + y, 0)).reduce((x, y) => x + y, 0);
    expect(parseOutput(resumed.stdout)).toBe(expected);
    const lines = readFileSync(execLog, "utf8").split("\n").filter(Boolean);
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 20; i++) expect(lines.filter((l) => l === `step:${batch}:${i}`)).toHaveLength(1);
    }
    expect(lines.filter((l) => l === "trace:0")).toHaveLength(1);
  }, 120_000);
});
