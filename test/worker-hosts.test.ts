// Worker hosts: `flyte start worker --endpoint URL` processes join a server that starts no workers of its own,
// run its actions, and when one is SIGKILLed its actions are retried as system errors after its lease runs out,
// on a host that joins later. Bad registrations and unknown hosts are refused with clear errors.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, spawnFlyte } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { until } from "./support/process.js";
import { startTestServer, TEST_TOKEN, waitForRun, type TestServer } from "./support/server.js";

const WORKER_TASKS = path.join(REPO_ROOT, "test/fixtures/workers/tasks.ts");
const marks = tempDir("flyte-host-marks-");
const hostDir = tempDir("flyte-host-");
let server: TestServer;
const hosts: ChildProcess[] = [];
const hostOutputs = new Map<string, () => string>();

beforeAll(async () => {
  server = await startTestServer({
    executor: "workers",
    load: [WORKER_TASKS],
    workers: { localWorkers: false, leaseMs: 1_000, resolveFrom: REPO_ROOT },
  });
});

afterAll(async () => {
  for (const host of hosts) host.kill("SIGKILL");
  await server?.close();
  rmSync(marks, { recursive: true, force: true });
  rmSync(hostDir, { recursive: true, force: true });
});

/** Starts `flyte start worker` against the test server and waits until it has joined. */
async function startHost(name: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawnFlyte(["start", "worker", "--endpoint", server.url, "--name", name, "--slots", "4"], {
    localDir: path.join(hostDir, name),
    env: { FLYTE_API_TOKEN: TEST_TOKEN, FLYTE_TEST_MARKS: marks },
  });
  hosts.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await until(`worker host ${name} to join`, () => (output.includes("joined ") ? true : undefined), 30_000);
  hostOutputs.set(name, () => output);
  return { child, output: () => output };
}

function markLines(file: string): string[] {
  const full = path.join(marks, file);
  return existsSync(full) ? readFileSync(full, "utf8").trim().split("\n").filter(Boolean) : [];
}

describe("worker hosts", () => {
  it("runs a run's actions on a host that joined; the server lists it", async () => {
    await startHost("host-a");
    const { body: listed } = await server.json("/v1/workers");
    expect(listed.workers.map((w: { name: string }) => w.name)).toContain("host-a");
    const { status, body } = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.spread", inputs: [4] } });
    expect(status).toBe(201);
    expect(body.run.phase).toBe("succeeded");
    expect(body.run.outputs.traced).toBe("hi there");
    expect(body.run.outputs.parent).not.toBe(process.pid);
    const logs = (await server.json(`/v1/runs/${body.run.name}/logs`)).body.logs as Array<{ text: string }>;
    expect(logs.map((l) => l.text).join("")).toContain("child 2 in ");
  });

  it("retries the actions of a SIGKILLed host as system errors after its lease, on a host that joins later", async () => {
    const { body } = await server.json("/v1/runs", { method: "POST", body: { task: "wk.parentOfSlow", inputs: [2000] } });
    const name = body.run.name as string;
    await until("the child to start on host-a", () => (markLines("slow").some((l) => l.startsWith("start ")) ? true : undefined));
    hosts[0]!.kill("SIGKILL");
    await until("the lease of host-a to run out", async () => {
      const { body: listed } = await server.json("/v1/workers");
      return listed.workers.some((w: { name: string }) => w.name === "host-a") ? undefined : true;
    });
    const hostB = await startHost("host-b");
    const run = await waitForRun(server, name, 20_000).catch(async (error: Error) => {
      const actions = (await server.json(`/v1/runs/${name}/actions`)).body.actions as unknown[];
      throw new Error(`${error.message}\n${JSON.stringify(actions.map((a: any) => [a.name, a.taskName, a.phase, a.attempt]))}\nserver log:\n${server.logs.join("\n")}\nhost-b:\n${hostB.output()}`);
    });
    expect(run.phase).toBe("succeeded");
    expect(run.outputs).toBe("parent got slow done");
    const actions = (await server.json(`/v1/runs/${name}/actions`)).body.actions as Array<{ name: string; taskName: string }>;
    const children = actions.filter((a) => a.taskName === "wk.slowChild");
    expect(children).toHaveLength(1);
    const { attempts } = (await server.json(`/v1/runs/${name}/actions/${children[0]!.name}`)).body;
    expect(attempts[0].error.code).toBe("SYSTEM_ERROR");
    expect(attempts[0].error.message).toContain("stopped answering (no heartbeat");
    expect(attempts.at(-1).phase).toBe("succeeded");
    expect(markLines("slow").filter((l) => l === "end")).toHaveLength(1);
  });

  it("serves an environment's own pool too, and a host in several pools handles each call once", async () => {
    // usePool's children run on the wk_pooled pool: afterwards host-b is in two pools of the same module.
    const pooled = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.usePool", inputs: [3] } });
    expect(pooled.body.run.phase).toBe("succeeded");
    // (An environment's env vars apply to the server's own pools only; hosts run one process per bundle.)
    expect(pooled.body.run.outputs).toHaveLength(3);
    // Each report from the host is handled once: a trace recorded once, each log line stored once.
    const spread = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.spread", inputs: [2] } });
    expect(spread.body.run.phase).toBe("succeeded");
    const actions = (await server.json(`/v1/runs/${spread.body.run.name}/actions`)).body.actions as Array<{ type: string }>;
    expect(actions.filter((a) => a.type === "trace")).toHaveLength(1);
    const logs = (await server.json(`/v1/runs/${spread.body.run.name}/logs`)).body.logs as Array<{ text: string }>;
    expect(logs.filter((l) => l.text.startsWith("child 0 in "))).toHaveLength(1);
  });

  it("installs the npm versions a bundle was built against on the host, into the host's own cache", async () => {
    const code = [
      `import * as flyte from "flyte";`,
      `import _ from "lodash";`,
      `const env = new flyte.TaskEnvironment({ name: "host_deps" });`,
      `export const version = env.task(async function version() { return _.VERSION; });`,
      "",
    ].join("\n");
    const hash = createHash("sha256").update(code).digest("hex");
    const upload = await server.json(`/v1/code/${hash}`, { method: "PUT", body: { code, externals: { flyte: "0.1.0", lodash: "4.17.20" }, entry: "deps.ts" } });
    expect(upload.status).toBe(201);
    const { body } = await server.json("/v1/runs?wait=60000", { method: "POST", body: { task: "host_deps.version", code: hash, inputs: [] } });
    expect(body.run.phase).toBe("succeeded");
    expect(body.run.outputs).toBe("4.17.20");
    expect(hostOutputs.get("host-b")?.()).toContain(`installing 1 npm package for code ${hash.slice(0, 12)}: lodash@4.17.20`);
    expect(readdirSync(path.join(hostDir, "host-b", "worker-deps"))).toHaveLength(1);
  });

  it("refuses a bad registration naming the field, and an unknown host with 404", async () => {
    const bad = await server.json("/v1/workers", { method: "POST", body: { name: "x", slots: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("slots");
    const unknown = await server.json("/v1/workers/w0000/heartbeat", { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("WORKER_NOT_FOUND");
    const noToken = await server.json("/v1/workers", { method: "POST", body: { name: "x" }, token: null });
    expect(noToken.status).toBe(401);
  });
});
