import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { openSqliteStore } from "../src/store/index.js";
import { useLocalDir } from "./support/local-dir.js";
import path from "node:path";

const local = useLocalDir();
const env = new flyte.TaskEnvironment({ name: "retries" });

let flakyCalls = 0;
const flaky = env.task({ retries: 3 }, async function flaky(x: number) {
  flakyCalls++;
  if (flakyCalls < 3) throw new TypeError(`flaky failure ${flakyCalls}`);
  return x + 1;
});

let fatalCalls = 0;
const fatal = env.task({ retries: 5 }, async function fatal() {
  fatalCalls++;
  throw new flyte.errors.NonRecoverableError("the input file is corrupt");
});

let noRetryCalls = 0;
const noRetry = env.task(async function noRetry() {
  noRetryCalls++;
  throw new Error("plain failure");
});

let observedSignal: AbortSignal | undefined;
const slow = env.task({ timeout: 50 }, async function slow() {
  observedSignal = flyte.ctx()!.signal;
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  return "never";
});

class QuotaError extends Error {
  override name = "QuotaError";
  constructor(readonly remaining: number) {
    super(`quota exhausted, ${remaining} left`);
  }
}
flyte.errors.registerErrorClass(QuotaError);
const throwsCustom = env.task(async function throwsCustom() {
  throw new QuotaError(0);
});
const throwsFlyte = env.task(async function throwsFlyte() {
  throw new flyte.errors.InvalidInputError("field 'x' must be positive");
});
const catcher = env.task(async function catcher() {
  const caught: Array<{ isQuota: boolean; isInvalid: boolean; name: string; code: string; message: string }> = [];
  for (const call of [throwsCustom, throwsFlyte]) {
    try {
      await call();
    } catch (error) {
      caught.push({
        isQuota: error instanceof QuotaError,
        isInvalid: error instanceof flyte.errors.InvalidInputError,
        name: (error as Error).name,
        code: flyte.errors.errorCode(error),
        message: (error as Error).message,
      });
    }
  }
  return caught;
});
const rethrower = env.task(async function rethrower() {
  await throwsFlyte();
});

async function attemptsOf(runName: string, actionName?: string) {
  const store = openSqliteStore(path.join(local.dir, "local.db"));
  try {
    return await store.listAttempts(runName, actionName);
  } finally {
    await store.close();
  }
}

describe("retries", () => {
  it("a task failing twice with retries=3 succeeds on attempt 3, all attempts recorded with their errors", async () => {
    flakyCalls = 0;
    const run = await flyte.run(flaky, 41);
    expect(await run.outputs()).toBe(42);
    expect(flakyCalls).toBe(3);
    const attempts = await attemptsOf(run.name, "a0");
    expect(attempts.map((a) => [a.attempt, a.phase])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
    expect(attempts[0]!.error).toMatchObject({ name: "TypeError", message: "flaky failure 1", kind: "user", code: "USER_ERROR" });
    expect(attempts[1]!.error?.message).toBe("flaky failure 2");
    expect(attempts[2]!.error).toBeNull();
    const [root] = await run.actions();
    expect(root).toMatchObject({ phase: "succeeded", attempt: 3 });
  });

  it("NonRecoverableError fails at once, even with retries left", async () => {
    fatalCalls = 0;
    const run = await flyte.run(fatal);
    await expect(run.outputs()).rejects.toBeInstanceOf(flyte.errors.NonRecoverableError);
    expect(fatalCalls).toBe(1);
    expect(run.phase).toBe("failed");
    expect((await attemptsOf(run.name)).length).toBe(1);
  });

  it("does not retry user errors when retries is 0", async () => {
    noRetryCalls = 0;
    const run = await flyte.run(noRetry);
    await expect(run.outputs()).rejects.toThrow("plain failure");
    expect(noRetryCalls).toBe(1);
  });
});

describe("timeouts", () => {
  it("fires, aborts the task's signal and fails with TimeoutError", async () => {
    const run = await flyte.run(slow);
    const error = await run.outputs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(flyte.errors.TimeoutError);
    expect((error as flyte.errors.FlyteError).code).toBe("TIMEOUT");
    expect((error as Error).message).toMatch(/timeout of 50 ms/);
    expect(observedSignal?.aborted).toBe(true);
    expect(observedSignal?.reason).toBe(error);
    expect(run.phase).toBe("timed_out");
  });
});

describe("errors crossing from child to parent", () => {
  it("keep their class, code and message", async () => {
    const run = await flyte.run(catcher);
    expect(await run.outputs()).toEqual([
      { isQuota: true, isInvalid: false, name: "QuotaError", code: "USER_ERROR", message: "quota exhausted, 0 left" },
      { isQuota: false, isInvalid: true, name: "InvalidInputError", code: "INVALID_INPUT", message: "field 'x' must be positive" },
    ]);
  });

  it("a child's error re-thrown by the parent fails the run with that error and is stored with its code", async () => {
    const run = await flyte.run(rethrower);
    const error = await run.outputs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(flyte.errors.InvalidInputError);
    const actions = await run.actions();
    const child = actions.find((a) => a.parentName === "a0")!;
    expect(child.phase).toBe("failed");
    expect(child.error).toMatchObject({ code: "INVALID_INPUT", name: "InvalidInputError", message: "field 'x' must be positive" });
    expect(actions[0]!.error).toMatchObject({ code: "INVALID_INPUT" });
  });
});
