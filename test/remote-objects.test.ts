// flyte/remote against a real server: Run.get/list (phase, project and domain scoping), wait/outputs of finished
// and running runs, Action.get(...).details() with attempts, decoded inputs and outputs, revived errors and logs,
// Secret.create/list/delete, and the errors for unknown runs and actions.
import path from "node:path";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import * as remote from "../src/remote.js";
import { FlyteClient } from "../src/client/index.js";
import { encodeValue } from "../src/io/index.js";
import { REPO_ROOT } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { TEST_TOKEN, useTestServer } from "./support/server.js";

const FIXTURE = path.join(REPO_ROOT, "test/fixtures/remote-objects/tasks.ts");
const dir = tempDir("flyte-remote-objects-");
const ctx = useTestServer({ load: [FIXTURE] });
let client: FlyteClient;

beforeAll(async () => {
  client = new FlyteClient({ endpoint: ctx.server.url, token: TEST_TOKEN });
  await flyte.init({ endpoint: ctx.server.url, token: TEST_TOKEN, project: "alpha", domain: "development", localDir: path.join(dir, "local") });
});

afterAll(async () => {
  await flyte.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `objects.<task>` on the server; `args` go through the codec, so Dates and Maps survive. */
async function start(task: string, args: unknown[], scope: { project?: string; domain?: string } = {}): Promise<string> {
  const inputs = JSON.parse(encodeValue(args)) as unknown[];
  const run = await client.createRun({ task: `objects.${task}`, inputs, project: scope.project ?? "alpha", domain: scope.domain ?? "development" });
  return run.name;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => new Error("expected a rejection"), (error: unknown) => error as Error);
}

describe("remote.Run against a server", () => {
  it("gets a finished run: phase, outputs (decoded), details and actions", async () => {
    const name = await start("tally", [["a", "b", "a"], new Date(Date.UTC(2024, 0, 2))]);
    const run = await remote.Run.get<Map<string, number>>(name);
    expect(run).toBeInstanceOf(flyte.Run);
    expect(run.url).toBe(`${ctx.server.url}/v1/runs/${name}`);
    expect(await run.wait()).toBe("succeeded");
    expect(await run.outputs()).toEqual(new Map([["a", 2], ["b", 1], ["total", 6]]));
    const details = await run.details();
    expect(details).toMatchObject({ name, project: "alpha", domain: "development", task: "objects.tally", phase: "succeeded", error: null });
    expect(details.endedAt).toBeGreaterThanOrEqual(details.createdAt);
    expect((await run.actions()).map((a) => a.taskName)).toEqual(["objects.tally", "objects.double"]);
    expect((await run.logs()).map((line) => line.text.trim())).toContain("tallying 3 words since 2024");
  });

  it("waits for a running run (a signal stops waiting, the run goes on), then reads its outputs", async () => {
    const { openGate } = await import("./fixtures/remote-objects/tasks.js");
    const name = await start("held", ["remote-wait"]);
    const run = await remote.Run.get<string>(name);
    expect(run.phase).toBe("running");
    const controller = new AbortController();
    const waiting = run.wait({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(waiting).rejects.toThrow("stop waiting");
    expect((await run.details()).phase).toBe("running");
    openGate("remote-wait");
    expect(await run.wait()).toBe("succeeded");
    expect(await run.outputs()).toBe("released remote-wait");
  });

  it("lists runs newest first, scoped to the project and domain, filtered by phase and task", async () => {
    const ours = [await start("double", [1]), await start("refuse", [-1]), await start("double", [2])];
    const theirs = [await start("double", [3], { project: "beta" }), await start("double", [4], { domain: "staging" })];
    for (const name of [...ours, ...theirs]) await (await remote.Run.get(name, runScope(name, theirs))).wait();

    const listed = (await remote.Run.list({ limit: 1000 })).map((run) => run.name);
    expect(listed.filter((name) => ours.includes(name))).toEqual([...ours].reverse());
    expect(listed.some((name) => theirs.includes(name))).toBe(false);
    const all = await remote.Run.list({ limit: 1000 });
    expect(all.every((run) => run instanceof flyte.Run)).toBe(true);
    const scopes = (await Promise.all(all.map((run) => run.details()))).map(({ project, domain }) => `${project}/${domain}`);
    expect(new Set(scopes)).toEqual(new Set(["alpha/development"]));

    expect((await remote.Run.list({ project: "beta" })).map((run) => run.name)).toEqual([theirs[0]]);
    expect((await remote.Run.list({ domain: "staging" })).map((run) => run.name)).toEqual([theirs[1]]);
    const failed = await remote.Run.list({ phase: "failed", limit: 1000 });
    expect(failed.map((run) => run.name)).toContain(ours[1]);
    expect(failed.every((run) => run.phase === "failed")).toBe(true);
    const doubles = await remote.Run.list({ task: "objects.double", limit: 1000 });
    expect(doubles.map((run) => run.name)).toEqual(expect.arrayContaining([ours[0], ours[2]]));
    expect(doubles.map((run) => run.name)).not.toContain(ours[1]);
    expect(await remote.Run.list({ limit: 1 })).toHaveLength(1);
  });

  it("rejects unknown runs, runs of another project, and bad options with what to do", async () => {
    const unknown = await rejection(remote.Run.get("no-such-run"));
    expect(unknown).toBeInstanceOf(flyte.errors.RunNotFoundError);
    expect(unknown.message).toContain('run "no-such-run" does not exist in project "alpha", domain "development" on the Flyte server at');
    expect(unknown.message).toContain('"flyte get run"');

    const beta = await start("double", [5], { project: "beta" });
    const elsewhere = await rejection(remote.Run.get(beta));
    expect(elsewhere).toBeInstanceOf(flyte.errors.RunNotFoundError);
    expect(elsewhere.message).toContain('it belongs to project "beta", domain "development"; pass { project: "beta", domain: "development" }');
    expect((await remote.Run.get(beta, { project: "beta" })).name).toBe(beta);

    await expect(remote.Run.list({ limit: 0 })).rejects.toThrow('Run.list: option "limit": got 0; expected an integer from 1 to 1000');
    await expect(remote.Run.list({ phase: "done" as flyte.ActionPhase })).rejects.toThrow('option "phase": got "done"');
    await expect(remote.Run.get("x", { projcet: "beta" } as remote.RunLookupOptions)).rejects.toThrow('Did you mean "project"?');
  });
});

describe("remote.Action against a server", () => {
  it("shows both attempts of a task that failed once and succeeded on its retry", async () => {
    const run = await remote.Run.get(await start("flaky", [41]));
    expect(await run.outputs()).toBe(42);
    const action = await remote.Action.get(run, "a0");
    expect(action).toMatchObject({ name: "a0", taskName: "objects.flaky", phase: "succeeded" });
    const details = await action.details();
    expect(details.attempts.map((a) => [a.attempt, a.phase])).toEqual([[1, "failed"], [2, "succeeded"]]);
    expect(details.attempts[0]!.error).toMatchObject({ name: "TypeError", message: "first attempt fails (x=41)" });
    expect(details.attempts[1]!.error).toBeNull();
    expect(details).toMatchObject({ inputs: [41], outputs: 42, error: null });
    expect(details.action).toMatchObject({ runName: run.name, name: "a0", attempt: 2 });
    expect(details.logs.map((line) => [line.attempt, line.text.trim()])).toEqual([[1, "attempt 1"], [2, "attempt 2"]]);
    expect((await action.logs(2)).map((line) => line.text.trim())).toEqual(["attempt 2"]);
  });

  it("decodes inputs and outputs of every action, and revives a failed action's error with its class and code", async () => {
    const name = await start("tally", [["x"], new Date(Date.UTC(2020, 5, 1))]);
    await (await remote.Run.get(name)).wait();
    const actions = await remote.Action.list(name);
    expect(actions.map((a) => a.taskName)).toEqual(["objects.tally", "objects.double"]);
    const root = await actions[0]!.details();
    expect(root.inputs).toEqual([["x"], new Date(Date.UTC(2020, 5, 1))]);
    expect(root.inputs[1]).toBeInstanceOf(Date);
    expect(root.outputs).toEqual(new Map([["x", 1], ["total", 2]]));
    expect(await actions[1]!.details()).toMatchObject({ inputs: [1], outputs: 2 });

    const failed = await remote.Run.get(await start("refuse", [-3]));
    expect(await failed.wait()).toBe("failed");
    const { error, outputs, attempts } = await (await remote.Action.get(failed.name, "a0")).details();
    expect(error).toBeInstanceOf(flyte.errors.InvalidInputError);
    expect(error).toMatchObject({ code: "INVALID_INPUT", message: "x must be positive, got -3" });
    expect(outputs).toBeNull();
    expect(attempts).toHaveLength(1);
    expect((await failed.details()).error).toBeInstanceOf(flyte.errors.InvalidInputError);
    await expect(failed.outputs()).rejects.toBeInstanceOf(flyte.errors.InvalidInputError);
  });

  it("rejects an unknown action naming the run and the action", async () => {
    const run = await remote.Run.get(await start("double", [6]));
    const error = await rejection(remote.Action.get(run, "a9"));
    expect(error).toBeInstanceOf(flyte.errors.ActionNotFoundError);
    expect(error).toMatchObject({ code: "ACTION_NOT_FOUND" });
    expect(error.message).toContain(`run "${run.name}" has no action "a9"`);
    await expect(remote.Action.get("no-such-run", "a0")).rejects.toBeInstanceOf(flyte.errors.RunNotFoundError);
  });
});

describe("remote.Secret against a server", () => {
  const VALUE = "pw-remote-objects-UNIQUE-value";

  it("creates, lists and deletes secrets by project and domain, never returning a value", async () => {
    const created = await remote.Secret.create("api-key", VALUE);
    expect(created).toMatchObject({ name: "api-key", group: null, project: "alpha", domain: "development" });
    await remote.Secret.create("api-key", `${VALUE}-2`, { group: "team" });
    await remote.Secret.create("other", VALUE, { project: "beta" });
    const listed = await remote.Secret.list();
    expect(listed.map((s) => [s.group, s.name]).sort()).toEqual([[null, "api-key"], ["team", "api-key"]]);
    expect(JSON.stringify([created, listed, await remote.Secret.list({ project: "beta" })])).not.toContain(VALUE);
    expect((await remote.Secret.list({ project: "beta" })).map((s) => s.name)).toEqual(["other"]);

    await remote.Secret.delete("api-key");
    await remote.Secret.delete("api-key", { group: "team" });
    expect(await remote.Secret.list()).toEqual([]);
    await expect(remote.Secret.delete("api-key")).rejects.toBeInstanceOf(flyte.errors.SecretNotFoundError);
    const bad = await rejection(remote.Secret.create("k", "" as string));
    expect(bad).toBeInstanceOf(flyte.errors.InvalidOptionError);
    expect(ctx.server.logs.join("\n")).not.toContain(VALUE);
  });
});

describe("local runs while a server is set", () => {
  it("reads the local store with { mode: \"local\" }", async () => {
    const { double } = await import("./fixtures/remote-objects/tasks.js");
    const started = await flyte.withRunContext({ mode: "local" }).run(double, 21);
    expect(await started.outputs()).toBe(42);
    await expect(remote.Run.get(started.name)).rejects.toBeInstanceOf(flyte.errors.RunNotFoundError);
    const run = await remote.Run.get<number>(started.name, { mode: "local" });
    expect(run.url).toBe(`file://${path.join(dir, "local")}#run=${started.name}`);
    expect(await run.outputs()).toBe(42);
    expect((await remote.Run.list({ mode: "local" })).map((r) => r.name)).toEqual([started.name]);
  });
});

function runScope(name: string, theirs: string[]): remote.RunLookupOptions {
  if (name === theirs[0]) return { project: "beta" };
  if (name === theirs[1]) return { domain: "staging" };
  return {};
}
