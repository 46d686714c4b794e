// flyte.init({ endpoint }) switches flyte.run to a server: the file that defined the task is bundled and uploaded
// (once), the run executes in the server's workers, and the Run handle has the local one's surface (name, url,
// phase, wait, outputs, actions, logs, watch, abort). flyte.shutdown() leaves nothing that keeps a process alive.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { File } from "../src/io.js";
import { refuse, square, sumOfSquares, untilAborted } from "./fixtures/remote/tasks.js";
import { collect, REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { CountingCodeStore, TEST_TOKEN, useTestServer, waitForRun } from "./support/server.js";


const dir = tempDir("flyte-sdk-remote-");
const codeStore = new CountingCodeStore(path.join(dir, "code"));
const ctx = useTestServer({ codeStore, executor: "workers", workers: { resolveFrom: REPO_ROOT } });

let storedAtStart = 0;
beforeAll(async () => {
  storedAtStart = codeStore.stored;
  await flyte.init({ endpoint: ctx.server.url, token: TEST_TOKEN, project: "sdk", domain: "remote", localDir: path.join(dir, "local") });
});

afterAll(async () => {
  await flyte.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe("flyte.run against a server", () => {
  it("runs the task on the server and waits for its outputs, uploading the file's bundle only once", async () => {
    const run = await flyte.run(sumOfSquares, [1, 2, 3]);
    expect(run).toBeInstanceOf(flyte.Run);
    expect(run.url).toBe(`${ctx.server.url}/v1/runs/${run.name}`);
    expect(await run.wait()).toBe("succeeded");
    expect(run.phase).toBe("succeeded");
    expect(await run.outputs()).toBe(14);
    // The server bundled its --load file into the same store at start; this run's file adds one bundle.
    const stored = codeStore.stored;
    expect(stored).toBe(storedAtStart + 1);

    const { body } = await ctx.server.json(`/v1/runs/${run.name}`);
    expect(body.run).toMatchObject({ taskName: "remote-sdk.sumOfSquares", project: "sdk", domain: "remote", phase: "succeeded" });
    const actions = await run.actions();
    expect(actions.map((a) => a.taskName).sort()).toEqual(["remote-sdk.square", "remote-sdk.square", "remote-sdk.square", "remote-sdk.sumOfSquares"]);
    expect((await run.logs()).map((line) => line.text.trim())).toContain("squaring 3 numbers");

    const again = await flyte.run(square, 7);
    expect(await again.outputs()).toBe(49);
    expect(codeStore.stored).toBe(stored);
  });

  it("rejects outputs() with the task's error class, code, message and TypeScript stack when the run failed", async () => {
    const run = await flyte.run(refuse, "no thanks");
    expect(await run.wait()).toBe("failed");
    const error = await run.outputs().then(() => new Error("expected a rejection"), (e: unknown) => e);
    expect(error).toBeInstanceOf(flyte.errors.NonRecoverableError);
    expect(error).toMatchObject({ code: "NON_RECOVERABLE", message: "refused: no thanks" });
    // The bundle's inline source map points the stack at the TypeScript line that threw.
    expect((error as Error).stack).toMatch(/test\/fixtures\/remote\/tasks\.ts:19:\d+\)/);
  });

  it("watches actions, stops waiting on a signal while the run goes on, and aborts it", async () => {
    const run = await flyte.run(untilAborted);
    for await (const action of run.watch()) {
      if (action.name === "a0" && action.phase === "running") break;
    }
    const controller = new AbortController();
    const waiting = run.wait({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(waiting).rejects.toThrow("stop waiting");
    expect((await ctx.server.json(`/v1/runs/${run.name}`)).body.run.phase).toBe("running");
    await run.abort("enough");
    expect(run.phase).toBe("aborted");
    expect((await waitForRun(ctx.server, run.name)).phase).toBe("aborted");
    await expect(run.outputs()).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("refuses what a remote run cannot do: File inputs, resume, envVars", async () => {
    const file = new File({ uri: "file:///tmp/flyte-remote-input.txt", name: "input.txt" });
    const { fileSize } = await import("./fixtures/remote/tasks.js");
    await expect(flyte.run(fileSize, file)).rejects.toThrow("File, Dir and DataFrame inputs are not supported for remote runs yet");
    await expect(flyte.resume("some-run")).rejects.toThrow("runs on a server are recovered by the server");
    await expect(flyte.withRunContext({ envVars: { A: "1" } }).run(square, 1)).rejects.toThrow('option "envVars" is not supported for remote runs yet');
  });

  it("still runs locally with withRunContext({ mode: \"local\" })", async () => {
    const run = await flyte.withRunContext({ mode: "local" }).run(square, 5);
    expect(run.url).toBe(`file://${path.join(dir, "local")}#run=${run.name}`);
    expect(await run.outputs()).toBe(25);
    expect((await ctx.server.json(`/v1/runs/${run.name}`)).status).toBe(404);
  });

  it("flyte.shutdown() ends open waits and leaves nothing that keeps the process alive", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "test/fixtures/remote/run-and-exit.ts")], {
      cwd: REPO_ROOT,
      env: { ...process.env, FLYTE_TEST_ENDPOINT: ctx.server.url, FLYTE_API_TOKEN: TEST_TOKEN, FLYTE_LOCAL_DIR: path.join(dir, "child") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // collect() kills the child and fails if it has not exited by itself within the limit.
    const result = await collect(child, 30_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("OUTPUT 5\n");
    expect(result.stdout).toMatch(/WAIT rejected CLIENT_SHUTDOWN: flyte\.shutdown\(\) was called while waiting for a remote run/);
    const pending = /PENDING (\S+)/.exec(result.stdout)?.[1];
    expect(pending).toBeDefined();
    expect((await ctx.server.json(`/v1/runs/${pending!}/abort`, { method: "POST", body: {} })).status).toBe(202);
  });
});
