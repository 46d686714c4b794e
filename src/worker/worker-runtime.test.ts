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

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("timed out");
}

const resultOf = (sent: WorkerMessage[], id: number) => sent.find((m): m is Extract<WorkerMessage, { t: "result" }> => m.t === "result" && m.id === id);

describe("WorkerRuntime", () => {
  it("hands a child's output to its caller in the same worker when the engine says so, without waiting for a reply", async () => {
    const { runtime: worker, sent } = runtime();
    worker.receive(runMessage(1, parent, "a0", "hi"));
    const call = await until(() => sent.find((m): m is Extract<WorkerMessage, { t: "call" }> => m.t === "call"));
    const request = call.request as Extract<typeof call.request, { kind: "task" }>;
    worker.receive(runMessage(2, child, request.name, "hi", { call: call.call, maxChars: 100 }));
    expect(await until(() => resultOf(sent, 2))).toMatchObject({ outputs: encodeValue("hi"), answered: true });
    // No reply was sent, yet the parent finished with its child's output.
    expect((await until(() => resultOf(sent, 1))).outputs).toBe(encodeValue("got hi"));
  });

  it("waits for the engine's reply when the output is longer than the engine stores inline", async () => {
    const { runtime: worker, sent } = runtime();
    worker.receive(runMessage(1, parent, "a0", "a long text"));
    const call = await until(() => sent.find((m): m is Extract<WorkerMessage, { t: "call" }> => m.t === "call"));
    const request = call.request as Extract<typeof call.request, { kind: "task" }>;
    worker.receive(runMessage(2, child, request.name, "a long text", { call: call.call, maxChars: 5 }));
    expect((await until(() => resultOf(sent, 2))).answered).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resultOf(sent, 1)).toBeUndefined();
    worker.receive({ t: "reply", call: call.call, outputs: encodeValue("from the engine"), error: null });
    expect((await until(() => resultOf(sent, 1))).outputs).toBe(encodeValue("got from the engine"));
  });

  it("does not answer for a child that was stopped, even if its code finishes anyway", async () => {
    const tooSlow = toErrorRecord(new TimeoutError("too slow"));
    const { runtime: worker, sent } = runtime();
    worker.receive(runMessage(1, stubbornParent, "a0", "late"));
    const call = await until(() => sent.find((m): m is Extract<WorkerMessage, { t: "call" }> => m.t === "call"));
    const request = call.request as Extract<typeof call.request, { kind: "task" }>;
    worker.receive(runMessage(2, stubbornChild, request.name, "late", { call: call.call, maxChars: 100 }));
    worker.receive({ t: "abort", id: 2, error: tooSlow });
    const result = await until(() => resultOf(sent, 2));
    expect(result.answered).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resultOf(sent, 1)).toBeUndefined();
    worker.receive({ t: "reply", call: call.call, outputs: null, error: tooSlow });
    expect((await until(() => resultOf(sent, 1))).error).toMatchObject({ message: expect.stringContaining("too slow") });
  });
});
