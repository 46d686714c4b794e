import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";
import { openSqliteStore } from "../src/store/index.js";
import path from "node:path";

const local = useLocalDir();
const env = new flyte.TaskEnvironment({ name: "inside" });

let traceCalls = 0;
const lookup = flyte.trace(async function lookup(id: number) {
  traceCalls++;
  return { id, name: `user-${id}`, at: new Date(Date.UTC(2026, 0, id)) };
});
let flakyAttempts = 0;
const usesTraces = env.task({ retries: 1 }, async function usesTraces() {
  const a = await lookup(1);
  const b = await lookup(2);
  flakyAttempts++;
  if (flakyAttempts === 1) throw new Error("fail after the traces");
  return [a.name, b.name, a.at.getUTCDate()];
});

const child = env.task(async function child(x: number) {
  return x;
});
const grouped = env.task(async function grouped() {
  const a = await flyte.group("prepare", () => Promise.all([child(1), child(2)]));
  const b = await flyte.group("train", () => flyte.group("epoch-1", () => child(3)));
  const c = await child(4);
  return [...a, b, c];
});

const reporting = env.task({ report: true }, async function reporting() {
  flyte.report.log("<h1>Training</h1>");
  flyte.report.getTab("Metrics").log("<p>loss=0.1</p>");
  flyte.report.getTab("Metrics").replace("<p>loss=0.05</p>");
  return "ok";
});

const chatty = env.task(async function chatty(n: number) {
  console.log(`hello from ${n}`);
  process.stderr.write(`warning ${n}\n`);
  return n;
});
const chattyParent = env.task(async function chattyParent() {
  console.log("parent says hi");
  return Promise.all([chatty(1), chatty(2)]);
});

const contextual = env.task(async function contextual(alpha: number, beta: string) {
  const c = flyte.ctx()!;
  return { runName: c.runName, actionName: c.actionName, attempt: c.attempt, taskName: c.taskName, inputs: c.inputs, project: c.project, args: [alpha, beta] };
});

describe("flyte.trace", () => {
  it("records each call as a TRACE action and reuses it when the task is retried", async () => {
    traceCalls = 0;
    flakyAttempts = 0;
    const run = await flyte.run(usesTraces);
    expect(await run.outputs()).toEqual(["user-1", "user-2", 1]);
    expect(flakyAttempts).toBe(2);
    expect(traceCalls).toBe(2);
    const traces = (await run.actions()).filter((a) => a.type === "trace");
    expect(traces.map((t) => [t.taskName, t.phase])).toEqual([
      ["lookup", "succeeded"],
      ["lookup", "succeeded"],
    ]);
  });

  it("calls the function directly outside a run", async () => {
    traceCalls = 0;
    expect((await lookup(3)).name).toBe("user-3");
    expect(traceCalls).toBe(1);
  });
});

describe("flyte.group", () => {
  it("records the group (nested as a path) on each action", async () => {
    const run = await flyte.run(grouped);
    expect(await run.outputs()).toEqual([1, 2, 3, 4]);
    const children = (await run.actions()).filter((a) => a.parentName === "a0").sort((a, b) => a.seq - b.seq);
    expect(children.map((a) => a.group)).toEqual(["prepare", "prepare", "train/epoch-1", null]);
  });
});

describe("flyte.report", () => {
  it("stores the report of the action with its tabs", async () => {
    const run = await flyte.run(reporting);
    await run.wait();
    const store = openSqliteStore(path.join(local.dir, "local.db"));
    const report = await store.getReport(run.name, "a0");
    await store.close();
    expect(report?.html).toContain("<h1>Training</h1>");
    expect(report?.html).toContain("loss=0.05");
    expect(report?.html).not.toContain("loss=0.1<");
    expect(report?.html).toContain(">Metrics</button>");
  });
});

describe("logs", () => {
  it("captures console and stream output per action", async () => {
    const run = await flyte.run(chattyParent);
    await run.wait();
    const logs = await run.logs();
    const byAction = new Map<string, string>();
    for (const line of logs) byAction.set(line.actionName, (byAction.get(line.actionName) ?? "") + line.text);
    expect(byAction.get("a0")).toBe("parent says hi\n");
    const childTexts = [...byAction.entries()].filter(([name]) => name !== "a0").map(([, text]) => text).sort();
    expect(childTexts).toEqual(["hello from 1\nwarning 1\n", "hello from 2\nwarning 2\n"]);
    expect(logs.find((l) => l.text.startsWith("warning"))?.stream).toBe("stderr");
  });
});

describe("flyte.ctx", () => {
  it("describes the running action; undefined outside a run", async () => {
    const run = await flyte.run(contextual, 7, "x");
    expect(await run.outputs()).toEqual({
      runName: run.name,
      actionName: "a0",
      attempt: 1,
      taskName: "inside.contextual",
      inputs: { alpha: 7, beta: "x" },
      project: "default",
      args: [7, "x"],
    });
    expect(flyte.ctx()).toBeUndefined();
  });
});

describe("Run.watch", () => {
  it("yields each action as it appears and changes phase, ending with the run", async () => {
    const run = await flyte.run(grouped);
    const seen: string[] = [];
    for await (const action of run.watch({ intervalMs: 5 })) seen.push(`${action.name}:${action.phase}`);
    const actions = await run.actions();
    for (const action of actions) expect(seen).toContain(`${action.name}:succeeded`);
    expect(seen.at(-1)).toMatch(/:succeeded$/);
  });
});
