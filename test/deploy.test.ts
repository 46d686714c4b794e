// `flyte deploy` against a real server with real workers: the same code deploys under the same version without
// a second upload; one changed line gives a new version that runs by name become; deployed tasks run without
// their source file (flyte run env.task), are listed with flyte get task, and are called by name from inside
// another task (remote.Task.get). Bad input — no environments, a clashing environment name, a task name that is
// not an identifier, an unknown deployed task, a reused version for other code — is a clear error.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flyteCli, REPO_ROOT, type CliResult } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { CountingCodeStore, TEST_TOKEN, useTestServer, waitForRun } from "./support/server.js";

const dir = tempDir("flyte-deploy-");
const codeStore = new CountingCodeStore(path.join(dir, "code"));
const ctx = useTestServer({ codeStore, executor: "workers", workers: { resolveFrom: REPO_ROOT } });
// Edited copies live inside the repository, where "flyte" resolves to this checkout (as for any project using it).
const work = path.join(REPO_ROOT, "test/fixtures/deploy", `tmp-${process.pid}`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const FIXTURES = "test/fixtures/deploy";
const VERSION = /^[0-9a-f]{16}$/;

function cli(args: readonly string[], options: { cwd?: string } = {}): Promise<CliResult> {
  return flyteCli(args, { localDir: path.join(dir, "local"), env: { FLYTE_API_TOKEN: TEST_TOKEN }, ...options });
}

/** `flyte deploy` with the test server's endpoint; asserts success and returns the printed version. */
async function deploy(...args: string[]): Promise<{ version: string; result: CliResult }> {
  const result = await cli(["deploy", "--endpoint", ctx.server.url, ...args]);
  expect(result.code, result.stderr).toBe(0);
  const version = result.stdout.trim();
  if (!args.includes("--version")) expect(version).toMatch(VERSION);
  return { version, result };
}

async function runOutput(name: string): Promise<unknown> {
  const run = await waitForRun(ctx.server, name);
  expect(run.phase, JSON.stringify(run.error)).toBe("succeeded");
  return run.outputs;
}

describe("flyte deploy", () => {
  it("registers every task of the environment and its dependsOn; the same code again is the same version, uploaded once", async () => {
    const before = codeStore.stored;
    const first = await deploy(`${FIXTURES}/pipeline.ts`, "deploy-pipeline");
    expect(first.result.stderr).toMatch(/uploaded code bundle [0-9a-f]{12} \(test\/fixtures\/deploy\/pipeline\.ts\)/);
    expect(first.result.stderr).toContain(`deployed version ${first.version} of deploy-base, deploy-pipeline in project default, domain development`);
    expect(first.result.stderr).toMatch(/deploy-pipeline\.total {2}new/);
    expect(first.result.stderr).toMatch(/deploy-base\.scale {2}new/);
    expect(codeStore.stored).toBe(before + 1);

    const second = await deploy(`${FIXTURES}/pipeline.ts`);
    expect(second.version).toBe(first.version);
    expect(second.result.stderr).toMatch(/code bundle [0-9a-f]{12} is already on the server/);
    expect(second.result.stderr).toContain(`unchanged: version ${first.version}`);
    expect(codeStore.stored).toBe(before + 1);

    const { body } = await ctx.server.json("/v1/tasks/deploy-pipeline.total");
    expect(body.task).toMatchObject({ id: "deploy-pipeline.total", version: first.version, env: "deploy-pipeline", inputsKnown: true, retries: 0 });
    expect(body.task.inputs.map((input: { name: string }) => input.name)).toEqual(["xs"]);
    expect(body.task.outputTypeText).toBe("number");
  });

  it("runs a deployed task by id without its file, checks its inputs, and lists deployed tasks", async () => {
    const outside = tempDir("flyte-deploy-cwd-");
    try {
      const args = ["run", "--endpoint", ctx.server.url, "--follow", "deploy-pipeline.total", "--xs", "[1,2,3]"];
      const result = await cli(args, { cwd: outside });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toBe(12);
      expect(result.stderr).toMatch(/running deploy-pipeline\.total version [0-9a-f]{16}/);

      const wrong = await cli(["run", "--endpoint", ctx.server.url, "deploy-pipeline.total", "--xs", '["a"]'], { cwd: outside });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain("--xs");

      const help = await cli(["run", "--endpoint", ctx.server.url, "deploy-pipeline.total", "--help"], { cwd: outside });
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain("--xs");

      const listed = await cli(["get", "task", "--endpoint", ctx.server.url]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/deploy-base\.scale\s+[0-9a-f]{16}\s+\S+Z\s+\(x: number\)/);
      expect(listed.stdout).toMatch(/deploy-pipeline\.total\s+[0-9a-f]{16}\s+\S+Z\s+\(xs: number\[\]\)/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("a changed line is a new version: runs by name and remote.Task.get take the latest, --version runs an older one", async () => {
    mkdirSync(work, { recursive: true });
    const file = path.join(work, "pipeline.ts");
    cpSync(path.join(REPO_ROOT, FIXTURES, "pipeline.ts"), file);
    const old = await deploy(file);
    writeFileSync(file, readFileSync(file, "utf8").replace("const FACTOR = 2;", "const FACTOR = 3;"));
    const changed = await deploy(file);
    expect(changed.version).not.toBe(old.version);
    expect(changed.result.stderr).toContain(`deployed version ${changed.version}`);

    const latest = await ctx.server.json("/v1/tasks/deploy-pipeline.total");
    expect(latest.body.task.version).toBe(changed.version);
    const versions = await cli(["get", "task", "--endpoint", ctx.server.url, "deploy-pipeline.total"]);
    expect(versions.code, versions.stderr).toBe(0);
    expect(versions.stdout).toMatch(new RegExp(`${changed.version}\\s+\\S+Z\\s+[0-9a-f]{12}\\s+latest`));
    expect(versions.stdout).toContain(old.version);

    const byName = await cli(["run", "--endpoint", ctx.server.url, "deploy-pipeline.total", "--xs", "[1,2,3]"]);
    expect(byName.code, byName.stderr).toBe(0);
    expect(await runOutput(byName.stdout.trim())).toBe(18);
    const pinned = await cli(["run", "--endpoint", ctx.server.url, "--version", old.version, "deploy-pipeline.total", "--xs", "[1,2,3]"]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(await runOutput(pinned.stdout.trim())).toBe(12);

    // Inside a task: the child runs the latest deployed code, from a bundle the caller's file does not contain.
    const caller = await cli(["run", "--endpoint", ctx.server.url, "--follow", `${FIXTURES}/caller.ts`, "callTotal", "--xs", "[1,2]"]);
    expect(caller.code, caller.stderr).toBe(0);
    expect(JSON.parse(caller.stdout)).toEqual({ total: 9 });
  });

  it("a version reused for other code is refused and nothing of that deploy is registered", async () => {
    mkdirSync(work, { recursive: true });
    const file = path.join(work, "pinned.ts");
    cpSync(path.join(REPO_ROOT, FIXTURES, "pipeline.ts"), file);
    await deploy("--project", "pinned", "--version", "v1", file);
    writeFileSync(file, readFileSync(file, "utf8").replace("const FACTOR = 2;", "const FACTOR = 5;"));
    const again = await cli(["deploy", "--endpoint", ctx.server.url, "--project", "pinned", "--version", "v1", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("version v1 in pinned/development is registered already with code");
    const { body } = await ctx.server.json("/v1/tasks/deploy-pipeline.total/versions?project=pinned");
    expect(body.versions).toHaveLength(1);
  });

  it("rejects bad input with clear errors before uploading anything", async () => {
    const before = codeStore.stored;
    const noEnvs = await cli(["deploy", "--endpoint", ctx.server.url, `${FIXTURES}/no-envs.ts`]);
    expect(noEnvs.code).toBe(2);
    expect(noEnvs.stderr).toContain("defines no TaskEnvironment, so there is nothing to deploy");

    const clash = await cli(["deploy", "--endpoint", ctx.server.url, `${FIXTURES}/env-clash.ts`]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('TaskEnvironment "deploy-base"');
    expect(clash.stderr).toContain("environment names must be unique");

    const badName = await cli(["deploy", "--endpoint", ctx.server.url, `${FIXTURES}/bad-task-name.ts`]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('"not a name!"');
    expect(badName.stderr).toContain("a valid identifier");

    const unknownEnv = await cli(["deploy", "--endpoint", ctx.server.url, `${FIXTURES}/pipeline.ts`, "nope"]);
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr).toContain('defines no environment "nope"; its environments: deploy-base, deploy-pipeline');

    const noServer = await cli(["deploy", `${FIXTURES}/pipeline.ts`]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("flyte deploy needs a Flyte server");
    expect(codeStore.stored).toBe(before);

    const unknownTask = await cli(["run", "--endpoint", ctx.server.url, "deploy-pipeline.nope"]);
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toContain('no task "deploy-pipeline.nope" is deployed in project "default", domain "development"; deployed tasks there:');

    const { body: notDefined, status } = await ctx.server.json("/v1/deployments", {
      method: "POST",
      body: { version: "x1", code: "0".repeat(64), environments: [], tasks: [] },
    });
    expect(status).toBe(404);
    expect(notDefined.error.code).toBe("CODE_NOT_FOUND");
  });

  it("a task calling an unknown deployed task fails with an error naming it", async () => {
    const result = await cli(["run", "--endpoint", ctx.server.url, "--follow", `${FIXTURES}/caller.ts`, "callMissing"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no task "deploy-pipeline.nope" is deployed in project "default", domain "development"');
  });
});
