import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";

useLocalDir();
const env = new flyte.TaskEnvironment({ name: "abort" });

const signals: AbortSignal[] = [];
let started = 0;
let lateChildren = 0;
let stubbornStarted = false;
const leaf = env.task(async function leaf(i: number) {
  const { signal } = flyte.ctx()!;
  signals.push(signal);
  started++;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return i;
});
const middle = env.task(async function middle(n: number) {
  return Promise.all(Array.from({ length: n }, (_, i) => leaf(i)));
});
const top = env.task(async function top() {
  return Promise.all([middle(3), middle(2)]);
});
const stubborn = env.task(async function stubborn() {
  // Ignores its signal; once aborted it must still not be able to start children.
  stubbornStarted = true;
  await new Promise((resolve) => setTimeout(resolve, 100));
  try {
    await leaf(99);
  } catch {
    lateChildren++;
  }
  return "done";
});

describe("abort", () => {
  it("cascades to every running descendant: their signals fire and the run ends aborted", async () => {
    const run = await flyte.run(top);
    while (started < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await run.abort("user pressed stop");
    expect(run.phase).toBe("aborted");
    expect(signals).toHaveLength(5);
    expect(signals.every((s) => s.aborted)).toBe(true);
    const error = await run.outputs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(flyte.errors.ActionAbortedError);
    expect((error as Error).message).toContain("user pressed stop");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const actions = await run.actions();
    expect(actions).toHaveLength(1 + 2 + 5);
    expect(actions.every((a) => a.phase === "aborted")).toBe(true);
  });

  it("an aborted action that ignores its signal cannot start children", async () => {
    const run = await flyte.run(stubborn);
    while (!stubbornStarted) await new Promise((resolve) => setTimeout(resolve, 5));
    await run.abort("stop");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lateChildren).toBe(1);
    expect((await run.actions()).map((a) => a.phase)).toEqual(["aborted"]);
  });
});

describe("abort requested through the store", () => {
  it("stops a run of another engine (as `flyte abort run` does from another process)", async () => {
    const { LocalEngine } = await import("../src/engine/index.js");
    const { currentSettings } = await import("../src/sdk/config.js");
    started = 0;
    const run = await flyte.run(middle, 2);
    while (started < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const other = LocalEngine.open(currentSettings().localDir);
    try {
      await other.requestAbort(run.name, "requested elsewhere");
      expect(await run.wait()).toBe("aborted");
      await expect(run.outputs()).rejects.toThrow("requested elsewhere");
    } finally {
      await other.close();
    }
  });
});
