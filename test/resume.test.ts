// Crash test: SIGKILL a process mid-run, resume the run, and check that nothing that had succeeded (or been
// traced) ran twice, and that the run finishes with the right result.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { openSqliteStore } from "../src/store/index.js";
// Loads the workflow's tasks into this process, which is what resume needs.
import "./fixtures/resumable.js";
import { useLocalDir } from "./support/local-dir.js";

const local = useLocalDir();
const here = path.dirname(fileURLToPath(import.meta.url));
const EXPECTED_TOTAL = Array.from({ length: 10 }, (_, b) => Array.from({ length: 20 }, (_, i) => b * 100 + i).reduce((x, y) => x + y, 0)).reduce((x, y) => x + y, 0);

function countLines(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

async function startAndKill(execLog: string, hangBatch: number): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "fixtures/start-resumable.ts")], {
    env: { ...process.env, FLYTE_LOCAL_DIR: local.dir, FLYTE_TEST_EXEC_LOG: execLog, FLYTE_TEST_HANG_BATCH: String(hangBatch) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // Wait until the hanging batch is in flight: all 20 of its steps have started (10 finish, 10 hang).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const started = readFileSync(execLog, "utf8").split("\n").filter((l) => l.startsWith(`step:${hangBatch}:`));
    if (started.length >= 20 && /RUN (\S+)/.test(output)) break;
    if (Date.now() > deadline) throw new Error(`child did not reach batch ${hangBatch}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  return /RUN (\S+)/.exec(output)![1]!;
}

describe("resume after SIGKILL", () => {
  it("finishes a killed 200-action run, executing every succeeded action and trace exactly once overall", async () => {
    const execLog = path.join(local.dir, "exec.log");
    writeFileSync(execLog, "");
    const runName = await startAndKill(execLog, 5);

    const store = openSqliteStore(path.join(local.dir, "local.db"));
    const atKill = await store.listActions(runName);
    await store.close();
    const succeededAtKill = atKill.filter((a) => a.phase === "succeeded" && a.type === "task");
    const tracesAtKill = atKill.filter((a) => a.type === "trace");
    expect(succeededAtKill.length).toBeGreaterThanOrEqual(100);
    expect(succeededAtKill.length).toBeLessThan(200);
    expect(tracesAtKill).toHaveLength(5);
    expect(atKill.find((a) => a.name === "a0")?.phase).toBe("running");

    process.env["FLYTE_TEST_EXEC_LOG"] = execLog;
    const run = await flyte.resume<number>(runName);
    expect(await run.outputs()).toBe(EXPECTED_TOTAL);

    const counts = countLines(execLog);
    for (const action of succeededAtKill) {
      const [batch, i] = JSON.parse(action.inputs) as [number, number];
      expect(counts.get(`step:${batch}:${i}`), `step ${batch}:${i}`).toBe(1);
    }
    for (let batch = 0; batch < 10; batch++) expect(counts.get(`trace:${batch}`), `trace ${batch}`).toBe(1);
    // Steps in flight at the kill ran again (they never finished); everything after ran once.
    for (let i = 0; i < 20; i += 2) expect(counts.get(`step:5:${i}`)).toBe(2);
    for (let batch = 6; batch < 10; batch++) for (let i = 0; i < 20; i++) expect(counts.get(`step:${batch}:${i}`)).toBe(1);

    const after = await run.actions();
    expect(after.filter((a) => a.type === "task" && a.name !== "a0")).toHaveLength(200);
    expect(after.filter((a) => a.type === "trace")).toHaveLength(10);
    expect(after.every((a) => a.phase === "succeeded")).toBe(true);
    const root = after.find((a) => a.name === "a0")!;
    expect(root.attempt).toBe(2);
    const store2 = openSqliteStore(path.join(local.dir, "local.db"));
    const rootAttempts = await store2.listAttempts(runName, "a0");
    const inFlight = (await store2.listAttempts(runName)).filter((a) => a.actionName !== "a0" && a.phase === "failed");
    await store2.close();
    expect(rootAttempts.map((a) => [a.attempt, a.phase, a.error?.code ?? null])).toEqual([
      [1, "failed", "SYSTEM_ERROR"],
      [2, "succeeded", null],
    ]);
    expect(inFlight).toHaveLength(10);

    // Resuming a run that already succeeded returns its recorded output and executes nothing.
    const linesBefore = readFileSync(execLog, "utf8");
    const again = await flyte.resume<number>(runName);
    expect(await again.outputs()).toBe(EXPECTED_TOTAL);
    expect(readFileSync(execLog, "utf8")).toBe(linesBefore);
  });

  it("a run that is not in the store is a RunNotFoundError", async () => {
    await expect(flyte.resume("rnosuchrun")).rejects.toBeInstanceOf(flyte.errors.RunNotFoundError);
  });
});
