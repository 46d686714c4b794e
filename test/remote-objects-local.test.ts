// flyte/remote without a server: Run.get/list read the local store (runs of this process, finished ones, and
// runs another engine executes on the same folder), Action details decode the same way as on a server, and
// Secret explains that secrets need a server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import * as remote from "flyte/remote";
import { LocalEngine } from "../src/engine/index.js";
import { taskTemplateOf } from "../src/sdk/index.js";

let dir = "";
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "flyte-remote-local-"));
  await flyte.init({ localDir: dir, project: "alpha" });
});
afterAll(async () => {
  await flyte.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const env = new flyte.TaskEnvironment({ name: "objects-local" });
const gates = new Map<string, () => void>();
/** Resolved by `held` when it starts: its run is recorded by then. */
const started = new Map<string, () => void>();
function whenStarted(key: string): Promise<void> {
  return new Promise<void>((resolve) => started.set(key, resolve));
}
const gateOpened = new Map<string, Promise<void>>();
function gate(key: string): Promise<void> {
  if (!gateOpened.has(key)) gateOpened.set(key, new Promise<void>((resolve) => gates.set(key, resolve)));
  return gateOpened.get(key)!;
}
function openGate(key: string): void {
  void gate(key);
  gates.get(key)!();
}

const double = env.task(async function double(x: number): Promise<number> {
  return x * 2;
});
const flaky = env.task({ retries: 1 }, async function flaky(since: Date): Promise<Set<number>> {
  const attempt = flyte.ctx()!.attempt;
  console.log(`attempt ${attempt}`);
  if (attempt === 1) throw new TypeError("first attempt fails");
  return new Set([since.getUTCFullYear(), await double(attempt)]);
});
const refuse = env.task(async function refuse(x: number): Promise<number> {
  throw new flyte.errors.NonRecoverableError(`refused ${x}`);
});
const held = env.task(async function held(key: string): Promise<string> {
  const signal = flyte.ctx()!.signal;
  started.get(key)?.();
  await new Promise<void>((resolve, reject) => {
    void gate(key).then(resolve);
    signal.addEventListener("abort", () => reject(signal.reason as Error));
  });
  return `released ${key}`;
});

function local(options: flyte.RunContextOptions = {}): flyte.RunContext {
  return flyte.withRunContext({ mode: "local", localDir: dir, ...options });
}

describe("remote.Run on the local store", () => {
  it("gets a finished local run with its outputs, details, actions and logs", async () => {
    const started = await local({ labels: { team: "ml" } }).run(flaky, new Date(Date.UTC(2023, 3, 4)));
    await started.wait();
    const run = await remote.Run.get<Set<number>>(started.name);
    expect(run.url).toBe(`file://${dir}#run=${started.name}`);
    expect(run.phase).toBe("succeeded");
    expect(await run.wait()).toBe("succeeded");
    expect(await run.outputs()).toEqual(new Set([2023, 4]));
    expect(await run.details()).toMatchObject({
      name: started.name,
      project: "alpha",
      domain: "development",
      task: "objects-local.flaky",
      phase: "succeeded",
      labels: { team: "ml" },
      error: null,
    });
    expect(await started.details()).toEqual(await run.details());
    expect((await run.actions()).map((a) => a.taskName)).toEqual(["objects-local.flaky", "objects-local.double"]);
  });

  it("shows attempts, decoded inputs and outputs, and logs of each action", async () => {
    const started = await local().run(flaky, new Date(Date.UTC(2021, 0, 1)));
    await started.wait();
    const details = await (await remote.Action.get(started.name, "a0")).details();
    expect(details.attempts.map((a) => [a.attempt, a.phase, a.error?.name ?? null])).toEqual([[1, "failed", "TypeError"], [2, "succeeded", null]]);
    expect(details.inputs).toEqual([new Date(Date.UTC(2021, 0, 1))]);
    expect(details.outputs).toEqual(new Set([2021, 4]));
    expect(details.error).toBeNull();
    expect(details.logs.map((line) => [line.attempt, line.text.trim()])).toEqual([[1, "attempt 1"], [2, "attempt 2"]]);
    const actions = await remote.Action.list(started);
    expect(await actions[1]!.details()).toMatchObject({ inputs: [2], outputs: 4, attempts: [{ attempt: 1, phase: "succeeded", error: null }] });
  });

  it("revives a failed run's error in outputs(), details() and the action", async () => {
    const started = await local().run(refuse, 7);
    expect(await started.wait()).toBe("failed");
    const run = await remote.Run.get(started.name);
    await expect(run.outputs()).rejects.toMatchObject({ code: "NON_RECOVERABLE", message: "refused 7" });
    expect((await run.details()).error).toBeInstanceOf(flyte.errors.NonRecoverableError);
    // The contract's form: details() straight on what Action.get returns.
    const { error, outputs } = await remote.Action.get(run, "a0").details();
    expect(error).toBeInstanceOf(flyte.errors.NonRecoverableError);
    expect(outputs).toBeNull();
  });

  it("waits for a run this process is executing", async () => {
    const running = whenStarted("same-process");
    const started = await local().run(held, "same-process");
    await running;
    const run = await remote.Run.get<string>(started.name);
    expect(run.phase).toBe("running");
    const controller = new AbortController();
    const waiting = run.wait({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(waiting).rejects.toThrow("stop waiting");
    openGate("same-process");
    expect(await run.wait()).toBe("succeeded");
    expect(await run.outputs()).toBe("released same-process");
  });

  it("lists local runs newest first, scoped to the project and domain, by phase and task", async () => {
    const ours = [await local().run(double, 1), await local().run(refuse, 2), await local().run(double, 3)];
    const theirs = [await local({ project: "beta" }).run(double, 4), await local({ domain: "staging" }).run(double, 5)];
    await Promise.all([...ours, ...theirs].map((run) => run.wait()));
    const names = ours.map((run) => run.name);
    const listed = (await remote.Run.list({ limit: 1000 })).map((run) => run.name);
    expect(listed.filter((name) => names.includes(name))).toEqual([...names].reverse());
    expect(listed).not.toContain(theirs[0]!.name);
    expect(listed).not.toContain(theirs[1]!.name);
    expect((await remote.Run.list({ project: "beta" })).map((run) => run.name)).toEqual([theirs[0]!.name]);
    expect((await remote.Run.list({ domain: "staging" })).map((run) => run.name)).toEqual([theirs[1]!.name]);
    const failed = await remote.Run.list({ phase: "failed" });
    expect(failed.map((run) => run.name)).toContain(ours[1]!.name);
    expect(failed.every((run) => run.phase === "failed")).toBe(true);
    const doubles = (await remote.Run.list({ task: "objects-local.double" })).map((run) => run.name);
    expect(doubles).toEqual(expect.arrayContaining([ours[0]!.name, ours[2]!.name]));
    expect(doubles).not.toContain(ours[1]!.name);
    expect(await remote.Run.list({ limit: 2, offset: 1 })).toHaveLength(2);
  });

  it("rejects unknown runs and actions with what to do", async () => {
    const unknown = await remote.Run.get("no-such-run").then(() => new Error("resolved"), (e: unknown) => e as Error);
    expect(unknown).toBeInstanceOf(flyte.errors.RunNotFoundError);
    expect(unknown.message).toBe(
      `run "no-such-run" does not exist in project "alpha", domain "development" of the local store at ${dir}; list runs with "flyte get run" --local or remote.Run.list()`,
    );
    const beta = await local({ project: "beta" }).run(double, 6);
    await beta.wait();
    await expect(remote.Run.get(beta.name)).rejects.toThrow('it belongs to project "beta", domain "development"');
    const run = await remote.Run.get(beta.name, { project: "beta" });
    await expect(remote.Action.get(run, "zz")).rejects.toMatchObject({ code: "ACTION_NOT_FOUND", message: expect.stringContaining(`run "${beta.name}" has no action "zz"`) });
    await expect(remote.Run.get("x", { mode: "remote" })).rejects.toThrow('Run.get: option "mode" is "remote", but no server is set');
  });
});

describe("remote.Run on a run another engine executes", () => {
  it("waits for it to finish, reads its outputs, and asks that engine to abort through the store", async () => {
    const other = LocalEngine.open(dir);
    try {
      const settings = { project: "alpha", domain: "development", labels: {}, envVars: {}, overwriteCache: false };
      const running = [whenStarted("other-engine"), whenStarted("never-opened")];
      const finishing = other.start(taskTemplateOf(held)!, ["other-engine"], settings);
      const aborted = other.start(taskTemplateOf(held)!, ["never-opened"], settings);
      await Promise.all(running);
      await other.resources.batcher.flush();

      const run = await remote.Run.get<string>(finishing.name);
      expect(run.phase).toBe("running");
      const waiting = run.wait();
      openGate("other-engine");
      expect(await waiting).toBe("succeeded");
      expect(await run.outputs()).toBe("released other-engine");

      const victim = await remote.Run.get(aborted.name);
      await victim.abort("stopped from another engine");
      expect(await victim.wait()).toBe("aborted");
      expect((await aborted.done).phase).toBe("aborted");
      await victim.abort("again");
      expect(victim.phase).toBe("aborted");
    } finally {
      await other.close();
    }
  });
});

describe("remote.Secret without a server", () => {
  it("says that secrets live on a server and how to set one", async () => {
    for (const call of [() => remote.Secret.create("k", "v"), () => remote.Secret.list(), () => remote.Secret.delete("k")]) {
      const error = await call().then(() => new Error("resolved"), (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(flyte.errors.InvalidOptionError);
      expect(error.message).toMatch(/^Secret\.(create|list|delete): secrets live on a Flyte server, and none is set; start one with "flyte start server"/);
      expect(error.message).not.toContain('"v"');
    }
  });
});
