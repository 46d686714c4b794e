// Which commits wait for the disk, and the order commits keep, through a real engine and server: under the default
// "runs" policy only a run's creation, end and abort are durable; "full" makes every commit durable (SQLite then
// syncs every commit); a child's start record is never stored after anything about the child, and a child that
// finishes quickly is written once, together with its outcome.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FolderBlobStore } from "../src/blob/index.js";
import { LocalEngine, type DurabilityPolicy, type RunOptions } from "../src/engine/index.js";
import { decodeValue } from "../src/io/index.js";
import * as flyte from "../src/index.js";
import { taskTemplateOf } from "../src/sdk/index.js";
import { sqliteOptions } from "../src/server/index.js";
import { openSqliteStore, type RunStore, type WriteDurability, type WriteOp } from "../src/store/index.js";
import { REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { startTestServer } from "./support/server.js";

const WORKER_TASKS = path.join(REPO_ROOT, "test/fixtures/workers/tasks.ts");
const env = new flyte.TaskEnvironment({ name: "durability" });
const leaf = env.task(async function leaf(x: number): Promise<number> {
  return x * 2;
});
const slowLeaf = env.task(async function slowLeaf(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
});
const chain = env.task(async function chain(n: number): Promise<number> {
  let x = 1;
  for (let i = 0; i < n; i++) x = await leaf(x);
  return x;
});
const napChain = env.task(async function napChain(n: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < n; i++) total += await slowLeaf(10);
  return total;
});
const slowParent = env.task(async function slowParent(ms: number): Promise<number> {
  return slowLeaf(ms);
});

const settings: RunOptions = { project: "p", domain: "d", labels: {}, envVars: {}, overwriteCache: false };

interface Commit {
  readonly ops: readonly WriteOp[];
  readonly durability: WriteDurability;
}

/**
 * A store that records every batch it is asked to commit, and how durably. `beforeCommit` sees each batch once it
 * is recorded and may throw to make that commit fail.
 */
function recording(store: RunStore, beforeCommit?: (ops: readonly WriteOp[]) => void): { store: RunStore; commits: Commit[] } {
  const commits: Commit[] = [];
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === "write") {
        return async (ops: readonly WriteOp[], durability: WriteDurability = "durable") => {
          commits.push({ ops: [...ops], durability });
          beforeCommit?.(ops);
          return target.write(ops, durability);
        };
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, commits };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runOnEngine(durability: DurabilityPolicy | undefined, task: flyte.Task<[number], number>, arg: number) {
  const dir = tempDir("flyte-durability-");
  dirs.push(dir);
  const { store, commits } = recording(openSqliteStore(path.join(dir, "runs.db")));
  const engine = new LocalEngine(store, new FolderBlobStore(path.join(dir, "data")), { durability });
  try {
    const execution = engine.start(taskTemplateOf(task)!, [arg], { ...settings, captureLogs: false });
    const outcome = await execution.done;
    const actions = await engine.store.listActions(execution.name);
    return { outcome, output: outcome.outputs === null ? undefined : decodeValue(outcome.outputs), actions, commits };
  } finally {
    await engine.close();
  }
}

/** The index of the first commit holding an op on `action` that matches `kind`. */
function commitOf(commits: readonly Commit[], action: string, kind: (op: WriteOp) => boolean): number {
  return commits.findIndex((commit) =>
    commit.ops.some((op) => kind(op) && ((op.op === "action.insert" && op.action.name === action) || (op.op === "action.transition" && op.transition.name === action) || (op.op === "attempt.insert" && op.attempt.actionName === action))),
  );
}

describe("durability policies", () => {
  it("runs: only the commits that create or end the run wait for the disk; each quick child is one row written once", async () => {
    const { output, actions, commits } = await runOnEngine(undefined, chain, 5);
    expect(output).toBe(32);
    const runOps = (commit: Commit) => commit.ops.some((op) => op.op.startsWith("run."));
    for (const commit of commits) expect(commit.durability, JSON.stringify(commit.ops.map((op) => op.op))).toBe(runOps(commit) ? "durable" : "visible");
    // Every child: stored succeeded with its output, by a single insert carrying its outcome (no separate update).
    const children = actions.filter((action) => action.parentName !== null);
    expect(children).toHaveLength(5);
    for (const child of children) {
      expect(child).toMatchObject({ phase: "succeeded", attempt: 1 });
      expect(child.outputs).not.toBeNull();
      const writes = commits.flatMap((commit) => commit.ops).filter((op) => (op.op === "action.insert" && op.action.name === child.name) || (op.op === "action.transition" && op.transition.name === child.name));
      expect(writes).toEqual([expect.objectContaining({ op: "action.insert", action: expect.objectContaining({ phase: "succeeded" }) })]);
    }
  });

  it("runs: a parent goes on while its child's outcome commits; full: it waits for the commit", async () => {
    const childCommits = async (durability: DurabilityPolicy) => {
      const { output, actions, commits } = await runOnEngine(durability, chain, 5);
      expect(output).toBe(32);
      const children = actions.filter((action) => action.parentName !== null).sort((a, b) => a.seq - b.seq);
      return children.map((child) => commitOf(commits, child.name, (op) => op.op === "action.insert"));
    };
    // Under "runs" the next child starts before the commit of the previous one's outcome: they share commits.
    expect(new Set(await childCommits("runs")).size).toBeLessThan(5);
    // Under "full" each child is stored before the next one starts.
    const full = await childCommits("full");
    for (let i = 1; i < full.length; i++) expect(full[i]).toBeGreaterThan(full[i - 1]!);
  });

  it("full: every commit waits for the disk", async () => {
    const { output, commits } = await runOnEngine("full", chain, 3);
    expect(output).toBe(8);
    expect(commits.length).toBeGreaterThan(0);
    expect(new Set(commits.map((commit) => commit.durability))).toEqual(new Set(["durable"]));
  });

  it("a commit that fails fails its run without storing anything of the run after it; the run resumes from what was stored", async () => {
    const dir = tempDir("flyte-durability-");
    dirs.push(dir);
    const sqlite = openSqliteStore(path.join(dir, "runs.db"));
    let failing = true;
    // The commit holding the third child's outcome fails, as when the database goes away for a moment.
    const children: string[] = []; // in the order their start records reach the store
    const broken = (ops: readonly WriteOp[]) => failing && ops.some((op) => op.op === "attempt.insert" && op.attempt.actionName === children[2]);
    const { store, commits } = recording(sqlite, (ops) => {
      for (const op of ops) if (op.op === "action.insert" && op.action.parentName !== null && !children.includes(op.action.name)) children.push(op.action.name);
      if (broken(ops)) throw new Error("connection to the database lost");
    });
    const engine = new LocalEngine(store, new FolderBlobStore(path.join(dir, "data")));
    try {
      const execution = engine.start(taskTemplateOf(napChain)!, [6], { ...settings, captureLogs: false });
      await expect(execution.done).rejects.toThrow(/a write of run .* failed to commit \(connection to the database lost\).*resume the run/);
      const failedAt = commits.findIndex((commit) => broken(commit.ops));
      expect(failedAt).toBeGreaterThan(0);
      // Nothing of the run was committed after the failed commit: the store holds a prefix of the run.
      expect(commits.slice(failedAt + 1).filter((commit) => commit.ops.some((op) => JSON.stringify(op).includes(execution.name)))).toEqual([]);
      expect((await engine.store.getRun(execution.name))?.phase).toBe("running");
      const stored = (await engine.store.listActions(execution.name)).filter((action) => action.parentName !== null && action.phase === "succeeded");
      expect(stored).toHaveLength(2);

      failing = false;
      const resumed = await engine.resume(execution.name, (id) => (id === napChain.id ? taskTemplateOf(napChain) : undefined));
      const outcome = await resumed.done;
      expect(outcome.phase).toBe("succeeded");
      expect(decodeValue(outcome.outputs!)).toBe(6 * 10);
      const actions = await engine.store.listActions(execution.name);
      // The two children stored before the failure were re-attached, not run again.
      for (const child of stored) expect(actions.find((action) => action.name === child.name)).toMatchObject({ attempt: 1, phase: "succeeded" });
    } finally {
      await engine.close().catch(() => undefined);
    }
  });

  it("a child that outlives LINGER_MS has its start record committed on its own, before its outcome", async () => {
    const { output, actions, commits } = await runOnEngine(undefined, slowParent, 150);
    expect(output).toBe(150);
    const child = actions.find((action) => action.parentName !== null)!;
    const started = commitOf(commits, child.name, (op) => op.op === "action.insert");
    const ended = commitOf(commits, child.name, (op) => op.op === "action.transition" && op.transition.phase === "succeeded");
    expect(started).toBeGreaterThanOrEqual(0);
    expect(ended).toBeGreaterThan(started);
    expect(child).toMatchObject({ phase: "succeeded", outputs: expect.any(String) });
  });

  it("a parent's end is stored after its children's outcomes, also when its worker hands it their outputs itself", async () => {
    const dir = tempDir("flyte-durability-");
    dirs.push(dir);
    const { store, commits } = recording(openSqliteStore(path.join(dir, "server.db")));
    const server = await startTestServer({ runStore: store, executor: "workers", load: [WORKER_TASKS], workers: { resolveFrom: REPO_ROOT } });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "wk.spread", inputs: [8] } });
        expect(response.body.run, JSON.stringify(response.body)).toMatchObject({ phase: "succeeded" });
        const run = response.body.run.name as string;
        const ended = (name: string) =>
          commits.findIndex((commit) =>
            commit.ops.some(
              (op) =>
                (op.op === "action.insert" && op.action.runName === run && op.action.name === name && op.action.phase === "succeeded") ||
                (op.op === "action.transition" && op.transition.runName === run && op.transition.name === name && op.transition.phase === "succeeded"),
            ),
          );
        const children = (await store.listActions(run)).filter((action) => action.parentName === "a0");
        expect(children).toHaveLength(9); // eight children and a trace
        for (const child of children) expect(ended(child.name), child.name).toBeLessThanOrEqual(ended("a0"));
      }
    } finally {
      await server.close();
    }
  });

  it("a server started with durability full commits everything durably, and its SQLite store syncs every commit", async () => {
    const dir = tempDir("flyte-durability-");
    dirs.push(dir);
    const sqlite = openSqliteStore(path.join(dir, "server.db"), sqliteOptions("full"));
    expect(sqlite.database.pragma("synchronous", { simple: true })).toBe(2);
    const { store, commits } = recording(sqlite);
    const server = await startTestServer({ runStore: store, durability: "full" });
    try {
      const response = await server.json("/v1/runs?wait=30000", { method: "POST", body: { task: "srv.add", inputs: [2, 3] } });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body.run).toMatchObject({ phase: "succeeded" });
      expect(commits.length).toBeGreaterThan(0);
      expect(new Set(commits.map((commit) => commit.durability))).toEqual(new Set(["durable"]));
    } finally {
      await server.close();
    }
    const normal = openSqliteStore(path.join(dir, "normal.db"), sqliteOptions("runs"));
    expect(normal.database.pragma("synchronous", { simple: true })).toBe(1);
    await normal.close();
  });
});
