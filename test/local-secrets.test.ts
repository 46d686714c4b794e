// Secrets in local mode: a task's declared secret is the environment variable `asEnvVar` of the process running
// it; a missing one fails the action with SECRET_NOT_FOUND before the task's code runs, saying what to export; a
// secret with a mountPath is written as a file (0600) for the run and removed when the run ends.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { REPO_ROOT, flyteCli, parseOutput } from "./support/cli.js";
import { tempDir, useLocalDir } from "./support/local-dir.js";

const local = useLocalDir();
const mounts = tempDir("flyte-local-mounts-");
const mountPath = path.join(mounts, "etc", "secrets", "local-token");
const env = new flyte.TaskEnvironment({ name: "local_secrets" });

afterAll(() => {
  delete process.env["FLYTE_LOCAL_TEST_TOKEN"];
  rmSync(mounts, { recursive: true, force: true });
});

let bodyRuns = 0;
const needsToken = env.task(
  { secrets: [new flyte.Secret({ key: "local-token", asEnvVar: "FLYTE_LOCAL_TEST_TOKEN" })] },
  async function needsToken(): Promise<number> {
    bodyRuns++;
    return (process.env["FLYTE_LOCAL_TEST_TOKEN"] ?? "").length;
  },
);

const readsMounted = env.task(
  { secrets: [new flyte.Secret({ key: "local-token", asEnvVar: "FLYTE_LOCAL_TEST_TOKEN", mountPath })] },
  async function readsMounted(): Promise<{ sha256: string; mode: number }> {
    return { sha256: createHash("sha256").update(readFileSync(mountPath)).digest("hex"), mode: statSync(mountPath).mode & 0o777 };
  },
);

/** A parent whose child declares the secret: the child fails, the parent never sees its body run. */
const parentOfNeedsToken = env.task(async function parentOfNeedsToken(): Promise<number> {
  return needsToken();
});

async function failure(run: flyte.Run): Promise<Error> {
  return run.outputs().then(
    () => {
      throw new Error(`run ${run.name} succeeded`);
    },
    (error: unknown) => error as Error,
  );
}

describe("secrets in local mode", () => {
  it("fails an action whose secret is not in the environment before its code runs, saying what to export", async () => {
    delete process.env["FLYTE_LOCAL_TEST_TOKEN"];
    bodyRuns = 0;
    const error = await failure(await flyte.run(parentOfNeedsToken));
    expect(flyte.errors.errorCode(error)).toBe("SECRET_NOT_FOUND");
    expect(error.message).toContain('"local-token" (environment variable FLYTE_LOCAL_TEST_TOKEN)');
    expect(error.message).toContain("export FLYTE_LOCAL_TEST_TOKEN=");
    expect(error.message).toContain("flyte create secret local-token");
    expect(bodyRuns).toBe(0);
  });

  it("gives a task the secret from the environment", async () => {
    process.env["FLYTE_LOCAL_TEST_TOKEN"] = "local-value-123";
    const run = await flyte.run(needsToken);
    expect(await run.outputs()).toBe("local-value-123".length);
  });

  it("writes a secret with a mountPath as a 0600 file for the run and removes it when the run ends", async () => {
    process.env["FLYTE_LOCAL_TEST_TOKEN"] = "mounted-value-456";
    const run = await flyte.run(readsMounted);
    expect(await run.outputs()).toEqual({ sha256: createHash("sha256").update("mounted-value-456").digest("hex"), mode: 0o600 });
    expect(existsSync(mountPath)).toBe(false);
    expect(existsSync(path.join(mounts, "etc"))).toBe(false);
    expect(existsSync(path.join(local.dir, "secret-mounts.json"))).toBe(false);
  });

  it("flyte run --local takes the secret from the environment, and fails naming the variable to export", async () => {
    const file = path.join(REPO_ROOT, "test/fixtures/cli/secret-task.ts");
    const cliDir = tempDir("flyte-cli-secret-");
    try {
      const missing = await flyteCli(["run", "--local", file, "needsSecret"], { localDir: cliDir });
      expect(missing.code, missing.stderr).toBe(1);
      expect(missing.stdout + missing.stderr).toContain("export FLYTE_CLI_TEST_SECRET=");
      const ok = await flyteCli(["run", "--local", file, "needsSecret"], { localDir: cliDir, env: { FLYTE_CLI_TEST_SECRET: "abc" } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(parseOutput(ok.stdout)).toBe(3);
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  }, 60_000);
});
