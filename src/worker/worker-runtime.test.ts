import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FolderBlobStore } from "../blob/index.js";
import type { TaskTemplate } from "../engine/index.js";
import { TimeoutError, toErrorRecord } from "../errors/index.js";
import { encodeValue } from "../io/index.js";
import * as flyte from "../index.js";
import { taskTemplateOf } from "../sdk/index.js";
import { tempDir } from "../../test/support/local-dir.js";
import { until } from "../../test/support/process.js";
import type { RunMessage, WorkerMessage } from "./protocol.js";
import { WorkerRuntime } from "./worker-runtime.js";

const env = new flyte.TaskEnvironment({ name: "wrt" });
const child = env.task(async function child(text: string): Promise<string> {
  return text;
});
const parent = env.task(async function parent(text: string): Promise<string> {
  return `got ${await child(text)}`;
});
/** Ignores its abort and finishes anyway after a moment. */
const stubbornChild = env.task(async function stubbornChild(text: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  return text;
});
const stubbornParent = env.task(async function stubbornParent(text: string): Promise<string> {
  return `got ${await stubbornChild(text)}`;
});

const dir = tempDir("flyte-worker-runtime-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runtime(): { runtime: WorkerRuntime; sent: WorkerMessage[] } {
  const tasks = new Map<string, TaskTemplate>([parent, child, stubbornParent, stubbornChild].map((task) => [task.id, taskTemplateOf(task)!]));
  const sent: WorkerMessage[] = [];
  return { runtime: new WorkerRuntime(tasks, new FolderBlobStore(path.join(dir, "blobs")), (message) => sent.push(message)), sent };
}

function runMessage(id: number, task: flyte.Task, action: string, text: string, answers?: RunMessage["answers"]): RunMessage {
  return {
    t: "run",
    id,
    run: { name: "r1", project: "p", domain: "d", rawDataPath: dir },
    action,
    attempt: 1,
    taskId: task.id,
    inputs: encodeValue([text]),
    prior: [],
    envVars: {},
    ...(answers ? { answers } : {}),
  };
}

const resultOf = (sent: WorkerMessage[], id: number) => sent.find((m): m is Extract<WorkerMessage, { t: "result" }> => m.t === "result" && m.id === id);

/**
 * Runs `caller` as attempt 1 until it calls its child, then runs that child as attempt 2, allowed to answer the
 * call itself when its output is at most `maxChars` long. Returns the call's number.
 */
async function callerAndChild(worker: WorkerRuntime, sent: WorkerMessage[], caller: flyte.Task, callee: flyte.Task, text: string, maxChars: number): Promise<number> {
  worker.receive(runMessage(1, caller, "a0", text));
  const call = await until("the caller's call", () => sent.find((m): m is Extract<WorkerMessage, { t: "call" }> => m.t === "call"));
  const request = call.request as Extract<typeof call.request, { kind: "task" }>;
  worker.receive(runMessage(2, callee, request.name, text, { call: call.call, maxChars }));
  return call.call;
}

describe("WorkerRuntime", () => {
  it("hands a child's output to its caller in the same worker when the engine says so, without waiting for a reply", async () => {
    const { runtime: worker, sent } = runtime();
    await callerAndChild(worker, sent, parent, child, "hi", 100);
    expect(await until("the child's result", () => resultOf(sent, 2))).toMatchObject({ outputs: encodeValue("hi"), answered: true });
    // No reply was sent, yet the parent finished with its child's output.
    expect((await until("the parent's result", () => resultOf(sent, 1))).outputs).toBe(encodeValue("got hi"));
  });

  it("waits for the engine's reply when the output is longer than the engine stores inline", async () => {
    const { runtime: worker, sent } = runtime();
    const call = await callerAndChild(worker, sent, parent, child, "a long text", 5);
    expect((await until("the child's result", () => resultOf(sent, 2))).answered).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resultOf(sent, 1)).toBeUndefined();
    worker.receive({ t: "reply", call, outputs: encodeValue("from the engine"), error: null });
    expect((await until("the parent's result", () => resultOf(sent, 1))).outputs).toBe(encodeValue("got from the engine"));
  });

  it("does not answer for a child that was stopped, even if its code finishes anyway", async () => {
    const tooSlow = toErrorRecord(new TimeoutError("too slow"));
    const { runtime: worker, sent } = runtime();
    const call = await callerAndChild(worker, sent, stubbornParent, stubbornChild, "late", 100);
    worker.receive({ t: "abort", id: 2, error: tooSlow });
    // The stop is acknowledged at once, before the child's code has finished: from here on it will not answer.
    expect(sent.at(-1)).toEqual({ t: "stopped", id: 2 });
    const result = await until("the child's result", () => resultOf(sent, 2));
    expect(result.answered).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resultOf(sent, 1)).toBeUndefined();
    worker.receive({ t: "reply", call, outputs: null, error: tooSlow });
    expect((await until("the parent's result", () => resultOf(sent, 1))).error).toMatchObject({ message: expect.stringContaining("too slow") });
  });

  it("acknowledges a stop that comes after the child answered its caller, after that answer", async () => {
    const { runtime: worker, sent } = runtime();
    await callerAndChild(worker, sent, parent, child, "hi", 100);
    await until("the child's result", () => resultOf(sent, 2));
    worker.receive({ t: "abort", id: 2, error: toErrorRecord(new TimeoutError("too slow")) });
    const kinds = sent.filter((m) => "id" in m && m.id === 2).map((m) => (m.t === "result" ? `result answered=${m.answered}` : m.t));
    expect(kinds).toEqual(["result answered=true", "stopped"]);
  });
});
