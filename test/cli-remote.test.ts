// `flyte run` against a server: the real CLI (a child process) bundles the example, uploads it only when the
// server lacks it, starts the run from it and prints the run's name, or with --follow shows progress and ends
// like a local run (output and exit 0, or the failing action and exit 1), or, when the server goes away while it
// follows, says where the run is kept. Bad input exits 2 before anything is uploaded or started. The server runs
// in this process on port 0 with a code store that counts uploads.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flyteCli, REPO_ROOT, type CliResult } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { until } from "./support/process.js";
import { CountingCodeStore, startTestServer, TEST_TOKEN, useTestServer, waitForRun } from "./support/server.js";


const dir = tempDir("flyte-cli-remote-");
const codeStore = new CountingCodeStore(path.join(dir, "code"));
// Bundles run in worker processes (the inline executor cannot import uploaded code).
const ctx = useTestServer({ codeStore, executor: "workers", workers: { resolveFrom: REPO_ROOT } });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HELLO_OUTPUT = { greeting: "hello, flyte", sum: 24, summary: "the doubled sum is 24" };
const RUN_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The CLI with its own (empty) local state and the server's token. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return flyteCli(args, { localDir: path.join(dir, "local"), env: { FLYTE_API_TOKEN: TEST_TOKEN, ...env } });
}

async function runCount(): Promise<number> {
  const { body } = await ctx.server.json("/v1/runs?limit=1000");
  return (body.runs as unknown[]).length;
}

describe("flyte run against a server", () => {
  it("uploads the bundle once, prints the run's name, and a second run of the file uploads nothing", async () => {
    const before = codeStore.stored;
    const first = await cli(["run", "--endpoint", ctx.server.url, "examples/hello.ts", "main", "--xs", "[1,2,3]"]);
    expect(first.code, first.stderr).toBe(0);
    const name = first.stdout.trim();
    expect(name).toMatch(RUN_NAME);
    expect(first.stderr).toMatch(/uploaded code bundle [0-9a-f]{12} \(examples\/hello\.ts, [\d.]+ kB\)/);
    expect(first.stderr).toContain(`follow it with: flyte get run ${name} --endpoint ${ctx.server.url}`);
    expect(codeStore.stored).toBe(before + 1);
    const run = await waitForRun(ctx.server, name);
    expect(run).toMatchObject({ phase: "succeeded", taskName: "hello.main", inputs: [[1, 2, 3]], outputs: HELLO_OUTPUT });

    const second = await cli(["run", "--endpoint", ctx.server.url, "--name", "cli-remote-again", "examples/hello.ts", "main", "--xs", "[1,2,3]"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe("cli-remote-again");
    expect(second.stderr).toMatch(/code bundle [0-9a-f]{12} \(examples\/hello\.ts\) is already on the server/);
    expect(codeStore.stored).toBe(before + 1);
    expect((await waitForRun(ctx.server, "cli-remote-again")).phase).toBe("succeeded");

    // The bundle went up with its tasks' inputs: the server checks runs of it before queuing anything.
    const hash = /uploaded code bundle ([0-9a-f]{12})/.exec(first.stderr)![1]!;
    const { body: listed } = await ctx.server.json(`/v1/runs/${name}`);
    const fullHash = listed.run.labels["flyte.code"] as string;
    expect(fullHash.startsWith(hash)).toBe(true);
    expect(codeStore.manifest(fullHash).interfaces?.["hello.main"]?.map((input) => input.name)).toEqual(["xs"]);
    const bad = await ctx.server.json("/v1/runs", { method: "POST", body: { task: "hello.main", inputs: [["one"]], code: fullHash } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("inputs[0]");
    expect(bad.body.error.message).toContain('input "xs" of task hello.main at [0]: expected a number, got "one"');
  });

  it("--follow shows the run's progress, prints its output and exits 0", async () => {
    const result = await cli(["run", "--endpoint", ctx.server.url, "--follow", "--project", "proj", "--domain", "dom", "examples/hello.ts", "main", "--xs", "[1,2,3]"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(HELLO_OUTPUT);
    expect(result.stderr).toMatch(/✓ trace fetchGreeting \[[0-9a-f]{8}\]/);
    expect(result.stderr).toMatch(/✓ hello\.describe \[[0-9a-f]{8}\]/);
    const done = /✓ run ([a-z0-9-]+) succeeded in \S+ \(9 actions: 9 succeeded\)/.exec(result.stderr);
    expect(done, result.stderr).not.toBeNull();
    const { body } = await ctx.server.json(`/v1/runs/${done![1]!}`);
    expect(body.run).toMatchObject({ phase: "succeeded", project: "proj", domain: "dom" });
  });

  it("passes --overwrite-cache through: cached calls run again", async () => {
    const start = async (name: string, ...flags: string[]): Promise<void> => {
      const result = await cli(["run", "--endpoint", ctx.server.url, "--name", name, ...flags, "examples/hello.ts", "main", "--xs", "[4,5]"]);
      expect(result.code, result.stderr).toBe(0);
      await waitForRun(ctx.server, name);
    };
    const hits = async (name: string): Promise<number> => {
      const { body } = await ctx.server.json(`/v1/runs/${name}/actions`);
      return (body.actions as Array<{ cacheStatus: string }>).filter((action) => action.cacheStatus === "hit").length;
    };
    // main doubles 4 and 5, then 8 and 10: four cacheable calls, all cached by the first run.
    await start("cli-remote-cached");
    await start("cli-remote-fresh", "--overwrite-cache");
    await start("cli-remote-hits");
    expect(await hits("cli-remote-fresh")).toBe(0);
    expect(await hits("cli-remote-hits")).toBe(4);
  });

  it("--follow of a failing run prints the failing action and its error and exits 1", async () => {
    const result = await cli(["run", "--endpoint", ctx.server.url, "--follow", "examples/errors.ts", "charge", "--amounts", "[10,-5]"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/✗ run [a-z0-9-]+ failed/);
    expect(result.stderr).toMatch(/failing action: [0-9a-f]{16} \(errors-example\.chargeOne, attempt 1\)/);
    expect(result.stderr).toContain("error: NonRecoverableError [user/NON_RECOVERABLE]: negative amount -5");
    expect(result.stderr).toContain(`--endpoint ${ctx.server.url}`);
  });

  it("rejects bad input with exit 2 before uploading or starting anything", async () => {
    const [runs, stored] = [await runCount(), codeStore.stored];
    const cases: Array<[string[], string]> = [
      [["examples/hello.ts", "main", "--xs", "abc"], 'Invalid value for --xs: "abc"'],
      [["examples/hello.ts", "main"], "--xs"],
      [["examples/hello.ts", "nope", "--xs", "[1]"], 'has no task named "nope"'],
      [["examples/missing.ts", "main"], "missing.ts"],
      [["test/fixtures/cli/df-input.ts", "total", "--table", "x.csv"], "--table: DataFrame inputs are not supported for remote runs yet"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(["run", "--endpoint", ctx.server.url, ...args]);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(await runCount()).toBe(runs);
    expect(codeStore.stored).toBe(stored);
  });

  it("uses the config's endpoint, which --local overrides; --resume stays local", async () => {
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, `endpoint: ${ctx.server.url}\n`);
    const remote = await cli(["run", "examples/hello.ts", "main", "--xs", "[2]"], { FLYTE_CONFIG: config });
    expect(remote.code, remote.stderr).toBe(0);
    const name = remote.stdout.trim();
    expect(remote.stderr).toContain(`follow it with: flyte get run ${name}\n`);
    expect((await waitForRun(ctx.server, name)).phase).toBe("succeeded");

    const local = await cli(["run", "--local", "examples/hello.ts", "main", "--xs", "[2]"], { FLYTE_CONFIG: config });
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toEqual({ greeting: "hello, flyte", sum: 8, summary: "the doubled sum is 8" });

    const resume = await cli(["run", "--resume", name], { FLYTE_CONFIG: config });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`--resume continues a local run whose process was killed; runs on the server ${ctx.server.url} are recovered by the server`);
  });

  it("reports an unreachable server and a wrong token in one line with exit 1", async () => {
    const down = await cli(["run", "--endpoint", "http://127.0.0.1:1", "examples/hello.ts", "main", "--xs", "[1]"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("error: cannot reach the Flyte server at http://127.0.0.1:1");
    expect(down.stderr).not.toContain("    at ");
    const wrong = await cli(["run", "--endpoint", ctx.server.url, "examples/hello.ts", "main", "--xs", "[1]"], { FLYTE_API_TOKEN: "wrong-token-0123456789" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("rejected the API token (it is wrong); set FLYTE_API_TOKEN");
  });

  it("--follow of a run whose server goes away says that the run is kept there and how to look at it later", async () => {
    const own = await startTestServer({ executor: "workers", workers: { resolveFrom: REPO_ROOT } });
    let closed = false;
    try {
      const following = cli(["run", "--follow", "--endpoint", own.url, "test/fixtures/workers/tasks.ts", "busyFor", "--ms", "60000"]);
      const name = await until("the run to start", async () => {
        const { body } = await own.json("/v1/runs?limit=1");
        return (body.runs as Array<{ name: string; phase: string }>).find((run) => run.phase === "running")?.name;
      });
      await own.close();
      closed = true;
      const result = await following;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`error: cannot reach the Flyte server at ${own.url}`);
      expect(result.stderr).toContain(`run ${name} is kept on the server, which resumes it when it starts again; then: flyte get run ${name} --endpoint ${own.url}`);
    } finally {
      if (!closed) await own.close();
    }
  }, 60_000);
});
