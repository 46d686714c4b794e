import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";

useLocalDir();
const env = new flyte.TaskEnvironment({ name: "map" });

let inFlight = 0;
let maxInFlight = 0;
const work = env.task(async function work(x: number) {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((resolve) => setTimeout(resolve, (x * 13) % 7));
  inFlight--;
  if (x < 0) throw new RangeError(`negative input ${x}`);
  return x * 3;
});
const withLimit = env.task(async function withLimit(n: number, concurrency: number) {
  return flyte.map(work, Array.from({ length: n }, (_, i) => i), { concurrency });
});
const withErrors = env.task(async function withErrors(xs: number[]) {
  const results = await flyte.map(work, xs, { returnExceptions: true, concurrency: 2 });
  return results.map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : r));
});
const failing = env.task(async function failing(xs: number[]) {
  return flyte.map(work, xs, { concurrency: 1 });
});
const add = env.task(async function add(a: number, b: number) {
  return a + b;
});
const withArgs = env.task(async function withArgs(xs: number[]) {
  return flyte.map(add, xs, { args: (x) => [x, 100], groupName: "adders" });
});
const sleepFor = env.task(async function sleepFor(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
});
const streamed = env.task(async function streamed(delays: number[]) {
  const seen: number[] = [];
  for await (const value of flyte.map.stream(sleepFor, delays, { concurrency: 3 })) seen.push(value);
  return seen;
});

describe("flyte.map", () => {
  it("keeps order and never has more than `concurrency` items in flight", async () => {
    maxInFlight = 0;
    const run = await flyte.run(withLimit, 60, 4);
    expect(await run.outputs()).toEqual(Array.from({ length: 60 }, (_, i) => i * 3));
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it("returnExceptions yields the failed item's error in its place", async () => {
    const run = await flyte.run(withErrors, [1, -2, 3]);
    expect(await run.outputs()).toEqual([3, "RangeError: negative input -2", 9]);
  });

  it("without returnExceptions rejects with the first error and starts no more items", async () => {
    inFlight = 0;
    const run = await flyte.run(failing, [1, -2, 3, 4]);
    await expect(run.outputs()).rejects.toThrow("negative input -2");
    const children = (await run.actions()).filter((a) => a.parentName === "a0");
    expect(children).toHaveLength(2);
  });

  it("builds arguments with `args` and records the actions in `groupName`", async () => {
    const run = await flyte.run(withArgs, [1, 2]);
    expect(await run.outputs()).toEqual([101, 102]);
    const children = (await run.actions()).filter((a) => a.parentName === "a0");
    expect(children.map((a) => a.group)).toEqual(["adders", "adders"]);
  });

  it("map.stream yields every result as it completes", async () => {
    const run = await flyte.run(streamed, [300, 1, 2, 3]);
    // The slow first item completes last although it started first.
    expect(await run.outputs()).toEqual([1, 2, 3, 300]);
  });

  it("works outside a run with plain calls", async () => {
    await expect(flyte.map(work, [1, 2], { concurrency: 1 })).resolves.toEqual([3, 6]);
  });
});
