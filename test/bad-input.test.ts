import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";

useLocalDir();
const env = new flyte.TaskEnvironment({ name: "bad-input" });

function definitionError(fn: () => unknown): flyte.errors.FlyteError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(flyte.errors.FlyteError);
    return error as flyte.errors.FlyteError;
  }
  throw new Error("expected a FlyteError");
}

describe("invalid environment options", () => {
  it("names the field, the value and what is allowed", () => {
    const bad = definitionError(() => new flyte.TaskEnvironment({ name: "Bad Name!" }));
    expect(bad.code).toBe("INVALID_OPTION");
    expect(bad.message).toContain('option "name"');
    expect(bad.message).toContain("Bad Name!");

    const typo = definitionError(() => new flyte.TaskEnvironment({ name: "typo", resorces: {} } as never));
    expect(typo.message).toContain('"resorces"');
    expect(typo.message).toMatch(/did you mean "resources"/i);

    const res = definitionError(() => new flyte.TaskEnvironment({ name: "res", resources: { cpu: 2 } as never }));
    expect(res.message).toContain('option "resources"');
    expect(res.message).toContain("new flyte.Resources");

    const dup = definitionError(() => new flyte.TaskEnvironment({ name: "bad-input" }));
    expect(dup.message).toContain("already defined");
  });
});

describe("invalid task options", () => {
  it("are rejected at definition time, naming the field", () => {
    const retries = definitionError(() => env.task({ retries: -1 }, async function t1() {}));
    expect(retries.message).toContain('Task "bad-input.t1"');
    expect(retries.message).toContain('option "retries"');
    expect(retries.message).toContain("-1");

    const timeout = definitionError(() => env.task({ timeout: "ten minutes" }, async function t2() {}));
    expect(timeout.message).toContain('option "timeout"');
    expect(timeout.message).toContain("ten minutes");

    const cache = definitionError(() => env.task({ cache: "override" }, async function t3() {}));
    expect(cache.message).toContain('option "cacheVersion"');

    const unknown = definitionError(() => env.task({ retry: 3 } as never, async function t4() {}));
    expect(unknown.message).toMatch(/did you mean "retries"/i);

    const anonymous = definitionError(() => env.task(async () => 1));
    expect(anonymous.message).toContain("has no name");

    const badName = definitionError(() => env.task({ name: "not-an-identifier" }, async () => 1));
    expect(badName.message).toContain("not-an-identifier");

    env.task(async function twice() {});
    const duplicate = definitionError(() => env.task(async function twice() {}));
    expect(duplicate.message).toContain("defined twice");
  });
});

class Widget {
  constructor(readonly id: number) {}
}
const returnsClass = env.task(async function returnsClass() {
  return { ok: true, items: [{ widget: new Widget(1) }] };
});
const returnsFunction = env.task(async function returnsFunction() {
  return { callback: () => 1 };
});
const passesBadInput = env.task(async function passesBadInput() {
  const child = env.task(async function childOfBad(x: unknown) {
    return x;
  });
  return child(Symbol("nope"));
});
const notATask = async (x: number) => x;
const mapsPlainFunction = env.task(async function mapsPlainFunction() {
  return flyte.map(notATask as never, [1, 2]);
});

describe("values that cannot be serialised", () => {
  it("an unserialisable return value fails the action, naming the path, the value and the fix", async () => {
    const run = await flyte.run(returnsClass);
    const error = (await run.outputs().catch((e: unknown) => e)) as flyte.errors.FlyteError;
    expect(error).toBeInstanceOf(flyte.errors.SerializationError);
    expect(error.message).toContain("output of task bad-input.returnsClass");
    expect(error.message).toContain("$.items[0].widget");
    expect(error.message).toContain("Widget");
    expect(error.message).toContain("registerCodec");
    expect(run.phase).toBe("failed");
  });

  it("names a function value by its path", async () => {
    const run = await flyte.run(returnsFunction);
    const error = (await run.outputs().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("$.callback");
    expect(error.message).toMatch(/function/);
  });

  it("rejects bad child inputs in the caller before any child action exists", async () => {
    const run = await flyte.run(passesBadInput);
    const error = (await run.outputs().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(flyte.errors.SerializationError);
    expect(error.message).toContain("inputs of task bad-input.childOfBad");
    expect((await run.actions()).filter((a) => a.parentName === "a0")).toEqual([]);
  });

  it("rejects bad run inputs before a run is created", async () => {
    await expect(flyte.run(returnsClass as never, new Widget(2))).rejects.toThrow(/inputs of task bad-input.returnsClass/);
  });
});

describe("flyte.map with a non-task", () => {
  it("is a FlyteError naming the function and the fix", async () => {
    const run = await flyte.run(mapsPlainFunction);
    const error = (await run.outputs().catch((e: unknown) => e)) as flyte.errors.FlyteError;
    expect(error).toBeInstanceOf(flyte.errors.InvalidInputError);
    expect(error.message).toContain('"notATask"');
    expect(error.message).toContain("env.task");
    await expect(flyte.map(notATask as never, [1])).rejects.toBeInstanceOf(flyte.errors.InvalidInputError);
  });

  it("rejects a bad concurrency", async () => {
    const work = env.task(async function mapWork(x: number) {
      return x;
    });
    await expect(flyte.map(work, [1], { concurrency: 0 })).rejects.toThrow(/"concurrency".*integer ≥ 1.*0/);
  });
});

describe("flyte.run with a non-task", () => {
  it("is an InvalidInputError", async () => {
    await expect(flyte.run(notATask as never, 1)).rejects.toThrow(/expects a task.*notATask/);
  });
});
