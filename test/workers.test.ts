// The server with worker processes: tasks run in pooled workers (never in the server), a killed worker's
// attempts are retried as system errors with the parent re-attaching to its child, an abort that the code
// ignores ends with the worker killed, memory limits end in OOMError, ReusePolicy pools are reused, and
// declared cpu is admitted against the host's capacity.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { isAlive, until } from "./support/process.js";
import { startTestServer, waitForRun, type TestServer } from "./support/server.js";

const WORKER_TASKS = path.join(REPO_ROOT, "test/fixtures/workers/tasks.ts");
const marks = tempDir("flyte-marks-");
let server: TestServer;

beforeAll(async () => {
  // Workers inherit the server's environment: this is how the fixture's tasks find the marks folder.
  process.env["FLYTE_TEST_MARKS"] = marks;
  server = await startTestServer({
    executor: "workers",
    load: [WORKER_TASKS],
    workers: { abortGraceMs: 500, capacity: { cpu: 2 }, resolveFrom: REPO_ROOT },
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(marks, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function markLines(file: string): string[] {
  const full = path.join(marks, file);
  return existsSync(full) ? readFileSync(full, "utf8").trim().split("\n").filter(Boolean) : [];
}


async function startRun(task: string, inputs: unknown[]): Promise<string> {
  const { status, body } = await server.json("/v1/runs", { method: "POST", body: { task, inputs } });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.run.name as string;
}

async function output(name: string): Promise<any> {
  const { body } = await server.json(`/v1/runs/${name}`);
  return body.run.outputs;
}


describe("tasks run in worker processes", () => {
  it("runs a parent, its children and a trace outside the server, with logs and all actions recorded", async () => {
    const name = await startRun("wk.spread", [5]);
    const run = await waitForRun(server, name);
    expect(run.phase).toBe("succeeded");
    const result = await output(name);
    expect(result.traced).toBe("hi there");
    expect(result.parent).not.toBe(process.pid);
    expect(result.children).toHaveLength(5);
    for (const pid of result.children) expect(pid).not.toBe(process.pid);

    const { body } = await server.json(`/v1/runs/${name}/actions`);
    const actions = body.actions as Array<{ type: string; taskName: string; phase: string }>;
    expect(actions.filter((a) => a.taskName === "wk.whereAmI" && a.phase === "succeeded")).toHaveLength(5);
    expect(actions.filter((a) => a.type === "trace" && a.taskName === "greet")).toHaveLength(1);
    const logs = (await server.json(`/v1/runs/${name}/logs`)).body.logs as Array<{ text: string }>;
    expect(logs.map((l) => l.text).join("")).toContain("child 3 in ");
  });

  it("runs a child in its parent's worker process rather than another one just as free", async () => {
    const own = await startTestServer({
      executor: "workers",
      load: [WORKER_TASKS],
      workers: { resolveFrom: REPO_ROOT, defaultPool: { minReplicas: 2, maxReplicas: 2, concurrency: 1 } },
    });
    try {
      // The first worker is busy while the parent is placed, so the parent runs in the second; by the time it
      // calls its child, both workers are free.
      const busy = await own.json("/v1/runs", { method: "POST", body: { task: "wk.busyFor", inputs: [200] } });
      expect(busy.status).toBe(201);
      const busyPid = await until("the busy run to start", () => markLines("busy").at(0)?.split(" ")[1]);
      const late = await own.json("/v1/runs", { method: "POST", body: { task: "wk.lateChild", inputs: [1_500] } });
      const run = await waitForRun(own, late.body.run.name);
      expect(run.phase).toBe("succeeded");
      expect(run.outputs.parent).not.toBe(Number(busyPid));
      expect(run.outputs.child).toBe(run.outputs.parent);
    } finally {
      await own.close();
    }
  });

  it("records a child whose timeout fired as it handed its output to its caller in the same worker as succeeded", async () => {
    const { status, body } = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.callsOverrun", inputs: [400] } });
    expect(status).toBe(201);
    expect(body.run).toMatchObject({ phase: "succeeded", outputs: { child: "ran 400 ms" } });
    const actions = (await server.json(`/v1/runs/${body.run.name}/actions`)).body.actions as Array<{ name: string; phase: string; outputs: unknown }>;
    const child = actions.find((a) => a.name !== "a0");
    expect(child).toMatchObject({ phase: "succeeded", outputs: "ran 400 ms" });
    const detail = (await server.json(`/v1/runs/${body.run.name}/actions/${child?.name}`)).body;
    expect(detail.attempts).toEqual([expect.objectContaining({ attempt: 1, phase: "succeeded" })]);
  });

  it("answers POST /v1/runs?wait=MS once the run has ended, and stores a report written in a worker", async () => {
    const { status, body } = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.reporter", inputs: ["from a worker"] } });
    expect(status).toBe(201);
    expect(body.run.phase).toBe("succeeded");
    expect(body.run.outputs).toBe("from a worker");
    const report = await server.fetch(`/v1/runs/${body.run.name}/actions/a0/report`);
    expect(await report.text()).toContain("<h1>from a worker</h1>");
    const bad = await server.json("/v1/runs?wait=soon", { method: "POST", body: { task: "wk.reporter", inputs: ["x"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("wait");
  });

  it("checks a run's inputs against the task's TypeScript signature before queuing it", async () => {
    const before = (await server.json("/v1/runs?limit=1000")).body.runs.length as number;
    const wrongType = await server.json("/v1/runs", { method: "POST", body: { task: "wk.step", inputs: ["one", 5] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.field).toBe("inputs[0]");
    expect(wrongType.body.error.message).toContain('input "i" of task wk.step: expected a number, got "one"');
    const missing = await server.json("/v1/runs", { method: "POST", body: { task: "wk.step", inputs: [1] } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('needs the input "ms" (number)');
    const extra = await server.json("/v1/runs", { method: "POST", body: { task: "wk.step", inputs: [1, 2, 3] } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain("takes 2 input(s) (i, ms), got 3");
    expect((await server.json("/v1/runs?limit=1000")).body.runs).toHaveLength(before);
  });

  it("injects a declared secret into the task's worker, and the value is in no file, record, log or response", async () => {
    const value = `s3cr3t-${Date.now()}-do-not-leak`;
    const stored = await server.json("/v1/secrets/api-token", { method: "PUT", body: { value } });
    expect(stored.status).toBe(201);
    const { body } = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk_secret.useSecret", inputs: [] } });
    expect(body.run.phase).toBe("succeeded");
    expect(body.run.outputs).toEqual({ length: value.length, sha256: createHash("sha256").update(value).digest("hex") });

    const responses = await Promise.all(
      [`/v1/runs/${body.run.name}`, `/v1/runs/${body.run.name}/actions`, `/v1/runs/${body.run.name}/logs`, "/v1/secrets", "/v1/runs"].map(async (p) =>
        (await server.fetch(p)).text(),
      ),
    );
    expect(responses.join("\n")).toContain("the token has");
    expect(responses.join("\n")).not.toContain(value);
    expect(server.logs.join("\n")).not.toContain(value);
    await server.server.engine.resources.batcher.flush();
    for (const file of filesUnder(server.localDir)) expect(readFileSync(file).includes(value), file).toBe(false);
  });

  it("writes a declared secret with a mountPath as a 0600 file for its workers, never inside the server's folder, and removes it when the server stops", async () => {
    const stateDir = tempDir("flyte-mount-server-");
    const mounted = path.join(marks, "mnt", "secrets", "api-token");
    // Read by the fixture when the workers load it (they inherit this process's environment).
    process.env["FLYTE_TEST_SECRET_MOUNT"] = mounted;
    process.env["FLYTE_TEST_LEAK_MOUNT"] = path.join(stateDir, "leaked", "api-token");
    const value = `f1le-s3cr3t-${Date.now()}-do-not-leak`;
    const own = await startTestServer({ executor: "workers", load: [WORKER_TASKS], localDir: stateDir, workers: { resolveFrom: REPO_ROOT } });
    try {
      expect((await own.json("/v1/secrets/api-token", { method: "PUT", body: { value } })).status).toBe(201);
      const { body } = await own.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk_secret_file.useSecretFile", inputs: [] } });
      expect(body.run.phase, JSON.stringify(body.run.error)).toBe("succeeded");
      expect(body.run.outputs).toEqual({ length: value.length, sha256: createHash("sha256").update(value).digest("hex"), mode: 0o600 });
      expect(readFileSync(mounted, "utf8")).toBe(value);

      const leak = await own.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.leakSecret", inputs: [] } });
      expect(leak.body.run.phase).toBe("failed");
      expect(leak.body.run.error.code).toBe("SECRET_MOUNT");
      expect(leak.body.run.error.message).toContain(`inside ${stateDir}`);
      expect(markLines("leak-secret")).toEqual([]);
      expect((await own.json(`/v1/runs/${leak.body.run.name}/actions/a0`)).body.attempts).toHaveLength(1);
      await own.server.engine.resources.batcher.flush();
    } finally {
      await own.close();
    }
    expect(existsSync(mounted)).toBe(false);
    expect(existsSync(path.join(marks, "mnt"))).toBe(false);
    expect(existsSync(path.join(stateDir, "leaked"))).toBe(false);
    for (const file of filesUnder(stateDir)) expect(readFileSync(file).includes(value), file).toBe(false);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("fails a task that declares a missing secret before it runs, naming the secret", async () => {
    const { body } = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.needsMissingSecret", inputs: [] } });
    expect(body.run.phase).toBe("failed");
    expect(body.run.error.code).toBe("SECRET_NOT_FOUND");
    expect(body.run.error.message).toContain("not-there");
    expect(markLines("missing-secret")).toEqual([]);
    const attempts = (await server.json(`/v1/runs/${body.run.name}/actions/a0`)).body.attempts as unknown[];
    expect(attempts).toHaveLength(1);
  });

  it("records a user error raised in a worker with its class and message", async () => {
    const name = await startRun("wk.failing", []);
    const run = await waitForRun(server, name);
    expect(run.phase).toBe("failed");
    expect(run.error.name).toBe("TypeError");
    expect(run.error.message).toContain("bad input in a worker");
    expect(run.error.kind).toBe("user");
  });

  it("retries the attempts of a SIGKILLed worker as system errors; the parent re-attaches to its child", async () => {
    const name = await startRun("wk.parentOfSlow", [1500]);
    const pid = await until("the child to start", () => {
      const line = markLines("slow").find((l) => l.startsWith("start "));
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    });
    process.kill(pid, "SIGKILL");
    const run = await waitForRun(server, name);
    expect(run.phase).toBe("succeeded");
    expect(await output(name)).toBe("parent got slow done");

    const actions = (await server.json(`/v1/runs/${name}/actions`)).body.actions as Array<{ name: string; taskName: string }>;
    const children = actions.filter((a) => a.taskName === "wk.slowChild");
    expect(children).toHaveLength(1);
    const attempts = (await server.json(`/v1/runs/${name}/actions/${children[0]!.name}`)).body.attempts as Array<{ phase: string; error: { code: string; message: string } | null }>;
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[0]!.phase).toBe("failed");
    expect(attempts[0]!.error?.code).toBe("SYSTEM_ERROR");
    expect(attempts[0]!.error?.message).toContain(`orker process ${pid}`);
    expect(attempts.at(-1)!.phase).toBe("succeeded");
    // The killed attempt never finished; the retry ran the child to the end exactly once.
    expect(markLines("slow").filter((l) => l === "end")).toHaveLength(1);
  });

  it("kills the worker of an aborted action that ignores its signal after the grace period", async () => {
    const name = await startRun("wk.stubborn", []);
    const pid = await until("the task to start", () => {
      const line = markLines("stubborn").at(-1);
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    });
    const aborted = await server.json(`/v1/runs/${name}/abort`, { method: "POST", body: { reason: "test" } });
    expect(aborted.status).toBe(202);
    expect((await waitForRun(server, name)).phase).toBe("aborted");
    await until("the stubborn worker to be killed", () => (isAlive(pid) ? undefined : true));
    expect(server.logs.join("\n")).toContain(`killing worker process ${pid}`);
  });

  it("fails an action that goes over its memory limit with OOMError", async () => {
    const name = await startRun("wk_limited.hog", []);
    const run = await waitForRun(server, name, 60_000);
    expect(run.phase).toBe("failed");
    expect(run.error.code).toBe("OOM");
    expect(run.error.name).toBe("OOMError");
    expect(run.error.message).toMatch(/memory/i);
  });

  it("runs an environment with a ReusePolicy on its own pool of at most `replicas` reused workers", async () => {
    const name = await startRun("wk.usePool", [6]);
    expect((await waitForRun(server, name)).phase).toBe("succeeded");
    const results = (await output(name)) as Array<{ pid: number; env: string }>;
    expect(results).toHaveLength(6);
    for (const result of results) expect(result.env).toBe("pooled");
    const pids = new Set(results.map((r) => r.pid));
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeLessThanOrEqual(2);
  });

  it("admits actions by declared cpu: with 2 cores, 2-core actions never overlap", async () => {
    const name = await startRun("wk.manyHeavy", [3]);
    expect((await waitForRun(server, name)).phase).toBe("succeeded");
    const events = markLines("heavy").map((line) => {
      const [kind, i, at] = line.split(" ");
      return { kind, i: Number(i), at: Number(at) };
    });
    expect(events).toHaveLength(6);
    let running = 0;
    for (const event of events) {
      running += event.kind === "start" ? 1 : -1;
      expect(running).toBeLessThanOrEqual(1);
    }
  });
});

describe("a module that fails to load", () => {
  it("fails the server start with the module's error", async () => {
    const dir = tempDir("flyte-badmod-");
    mkdirSync(dir, { recursive: true });
    const bad = path.join(dir, "bad.ts");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, 'throw new Error("cannot load this module");\n');
    try {
      await expect(startTestServer({ executor: "workers", load: [bad], workers: { resolveFrom: REPO_ROOT } })).rejects.toThrow(/cannot load this module/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
