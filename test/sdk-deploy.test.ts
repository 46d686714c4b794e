// flyte.deploy(env) and remote.Task.get from code: deploying the environment (and what it depends on) registers
// its tasks under a content-hash version, the same code again changes nothing, and a deployed task looked up by
// name runs with flyte.run without its file in sight; an unknown one is a clear error before any run starts.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import * as remote from "../src/remote.js";
import { pipeline } from "./fixtures/deploy/pipeline.js";
import { REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { CountingCodeStore, TEST_TOKEN, useTestServer } from "./support/server.js";

const dir = tempDir("flyte-sdk-deploy-");
const codeStore = new CountingCodeStore(path.join(dir, "code"));
const ctx = useTestServer({ codeStore, executor: "workers", workers: { resolveFrom: REPO_ROOT } });

afterAll(async () => {
  await flyte.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe("flyte.deploy without a server", () => {
  it("says that a server is needed", async () => {
    await expect(flyte.deploy(pipeline)).rejects.toMatchObject({ code: "INVALID_OPTION", message: expect.stringContaining("flyte.init({ endpoint") });
  });

  it("refuses to run inside a worker that imported the file for its tasks, saying how to guard the call", async () => {
    process.env["FLYTE_WORKER_SETTINGS"] = "{}";
    try {
      await expect(flyte.deploy(pipeline)).rejects.toMatchObject({ code: "INVALID_OPTION", message: expect.stringContaining("import.meta.url === `file://${process.argv[1]}`") });
    } finally {
      delete process.env["FLYTE_WORKER_SETTINGS"];
    }
  });
});

describe("flyte.deploy and remote.Task.get", () => {
  beforeAll(async () => {
    await flyte.init({ endpoint: ctx.server.url, token: TEST_TOKEN, project: "sdk", domain: "deploy", localDir: path.join(dir, "local") });
  });

  it("deploys the environment with its dependsOn once; the same code again is the same version and uploads nothing", async () => {
    const before = codeStore.stored;
    const first = await flyte.deploy(pipeline, { cwd: REPO_ROOT });
    expect(first).toMatchObject({ project: "sdk", domain: "deploy", redeployed: [] });
    expect([...first.created].sort()).toEqual(["deploy-base.scale", "deploy-pipeline.total"]);
    expect(codeStore.stored).toBe(before + 1);
    const again = await flyte.deploy([pipeline], { cwd: REPO_ROOT });
    expect(again.version).toBe(first.version);
    expect(again.created).toEqual([]);
    expect(codeStore.stored).toBe(before + 1);
  });

  it("remote.Task.get fetches the latest version and runs it with flyte.run", async () => {
    const total = remote.Task.get<[number[]], number>({ name: "deploy-pipeline.total" });
    const info = await total.fetch();
    expect(info).toMatchObject({ id: "deploy-pipeline.total", project: "sdk", domain: "deploy", inputsKnown: true });
    const run = await flyte.run(total, [1, 2, 3, 4]);
    expect(await run.outputs()).toBe(20);
    expect((await run.details()).labels["flyte.version"]).toBe(info.version);

    const pinned = remote.Task.get<[number[]], number>({ name: "deploy-pipeline.total", version: info.version });
    expect(await (await flyte.run(pinned, [5])).outputs()).toBe(10);
  });

  it("an unknown task, a bad name and a call outside a task are clear errors", async () => {
    const missing = remote.Task.get({ name: "deploy-pipeline.nope" });
    await expect(missing.fetch()).rejects.toMatchObject({
      code: "DEPLOYED_TASK_NOT_FOUND",
      message: expect.stringContaining('no task "deploy-pipeline.nope" is deployed in project "sdk", domain "deploy"; deployed tasks there: deploy-base.scale, deploy-pipeline.total'),
    });
    await expect(flyte.run(missing)).rejects.toMatchObject({
      code: "TASK_NOT_FOUND",
      message: expect.stringContaining('or deployed in project "sdk", domain "deploy"; deploy it with flyte deploy FILE.ts'),
    });
    const unknownVersion = remote.Task.get({ name: "deploy-pipeline.total", version: "nope" });
    await expect(unknownVersion.fetch()).rejects.toMatchObject({ message: expect.stringContaining('has no version "nope"') });

    expect(() => remote.Task.get({ name: "not a task id" })).toThrow(/remote\.Task\.get: option "name"/);
    await expect(remote.Task.get({ name: "deploy-pipeline.total" })([1])).rejects.toThrow(/called outside a task; start a run of it with flyte\.run/);
  });
});
