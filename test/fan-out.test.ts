import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";

useLocalDir();
const env = new flyte.TaskEnvironment({ name: "fanout" });
const square = env.task(async function square(x: number) {
  // Finish in a scrambled order so "results in order" is not an accident of timing.
  await new Promise((resolve) => setTimeout(resolve, (x * 7919) % 5));
  return x * x;
});
const fanOut = env.task(async function fanOut(n: number) {
  return Promise.all(Array.from({ length: n }, (_, i) => square(i)));
});

describe("fan-out with Promise.all", () => {
  it("returns 1,000 children's results in call order, each recorded as an action", async () => {
    const run = await flyte.run(fanOut, 1000);
    const out = await run.outputs();
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i * i));
    const actions = await run.actions();
    const children = actions.filter((a) => a.parentName === "a0");
    expect(children).toHaveLength(1000);
    expect(new Set(children.map((a) => a.name)).size).toBe(1000);
    for (const child of children) {
      expect(child.phase).toBe("succeeded");
      expect(child.taskName).toBe("fanout.square");
      expect(child.attempt).toBe(1);
    }
    const bySeq = [...children].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((a) => JSON.parse(a.outputs!) as number)).toEqual(out);
  });

  it("gives the same action names to two runs with the same inputs", async () => {
    const names = async (): Promise<string[]> => {
      const run = await flyte.run(fanOut, 50);
      await run.wait();
      return (await run.actions()).map((a) => a.name).sort();
    };
    const first = await names();
    const second = await names();
    expect(second).toEqual(first);
    const third = await flyte.run(fanOut, 51);
    await third.wait();
    const thirdNames = new Set((await third.actions()).map((a) => a.name));
    // Same calls with the same inputs at the same positions share names; the extra call gets a new one.
    expect(first.every((name) => thirdNames.has(name))).toBe(true);
  });

  it("calls the plain function outside a run", async () => {
    await expect(square(3)).resolves.toBe(9);
    const sync = env.task(function syncAdd(a: number, b: number) {
      return a + b;
    });
    await expect(sync(1, 2)).resolves.toBe(3);
  });
});
