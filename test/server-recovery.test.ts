// Crash recovery of the control plane: a `flyte start server` process SIGKILLed in the middle of a run is
// started again on the same state; the run completes, and no action that had succeeded runs a second time.
// Its workers do not outlive it.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { isAlive, until } from "./support/process.js";
import { spawnServer, type ServerProcess } from "./support/server.js";

const WORKER_TASKS = path.join(REPO_ROOT, "test/fixtures/workers/tasks.ts");
const TERMINAL = new Set(["succeeded", "failed", "aborted", "timed_out"]);
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});



describe("server crash recovery", () => {
  it("completes a run after the server is SIGKILLed mid-run and restarted, re-running no succeeded action", async () => {
    const localDir = tempDir("flyte-recovery-");
    const marks = tempDir("flyte-marks-");
    cleanups.push(() => rmSync(localDir, { recursive: true, force: true }), () => rmSync(marks, { recursive: true, force: true }));
    const args = ["--insecure-local", "--load", WORKER_TASKS];
    const env = { FLYTE_TEST_MARKS: marks };
    const steps = () => (existsSync(path.join(marks, "steps")) ? readFileSync(path.join(marks, "steps"), "utf8").trim().split("\n") : []);

    let server: ServerProcess = await spawnServer(args, localDir, 60_000, env);
    cleanups.push(() => void server.stop("SIGKILL"));
    const created = await fetch(`${server.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "wk.chain", inputs: [6, 250] }),
    });
    expect(created.status).toBe(201);
    const { run } = (await created.json()) as { run: { name: string } };

    await until("three steps to finish", () => (steps().includes("end 2") ? true : undefined));
    const before = (await (await fetch(`${server.url}/v1/runs/${run.name}/actions`)).json()) as {
      actions: Array<{ taskName: string; phase: string; inputs: [number, number] }>;
    };
    const succeededBefore = before.actions.filter((a) => a.taskName === "wk.step" && a.phase === "succeeded").map((a) => a.inputs[0]);
    expect(succeededBefore.length).toBeGreaterThanOrEqual(2);
    const workerPids = new Set(steps().filter((l) => l.startsWith("start")).map((l) => Number(l.split(" ")[2])));

    expect((await server.stop("SIGKILL")).signal).toBe("SIGKILL");
    // Workers notice that their engine is gone and exit.
    for (const pid of workerPids) await until(`worker ${pid} to exit`, () => (isAlive(pid) ? undefined : true), 10_000);

    server = await spawnServer(args, localDir, 60_000, env);
    expect(server.stdout()).toContain(`resumed 1 run(s) left unfinished by the previous server: ${run.name}`);
    const final = await until("the run to end", async () => {
      const body = (await (await fetch(`${server.url}/v1/runs/${run.name}`)).json()) as { run: { phase: string; outputs: unknown } };
      return TERMINAL.has(body.run.phase) ? body.run : undefined;
    });
    expect(final.phase).toBe("succeeded");
    expect(final.outputs).toBe(0 + 1 + 2 + 3 + 4 + 5);

    const lines = steps();
    for (let i = 0; i < 6; i++) expect(lines.filter((l) => l === `end ${i}`).length, `step ${i} ended`).toBeGreaterThanOrEqual(1);
    for (const i of succeededBefore) {
      expect(lines.filter((l) => l.startsWith(`start ${i} `)), `step ${i} succeeded before the crash`).toHaveLength(1);
    }
    const attempts = (await (await fetch(`${server.url}/v1/runs/${run.name}/actions/a0`)).json()) as { attempts: Array<{ phase: string; error: { code: string } | null }> };
    expect(attempts.attempts[0]?.error?.code).toBe("SYSTEM_ERROR");
    expect(attempts.attempts.at(-1)?.phase).toBe("succeeded");
  });
});
