import { describe, expect, it } from "vitest";
import * as flyte from "../src/index.js";
import { useLocalDir } from "./support/local-dir.js";

useLocalDir();
const env = new flyte.TaskEnvironment({ name: "cache" });

const executions: string[] = [];
const embed = env.task({ cache: "auto" }, async function embed(text: string) {
  executions.push(`embed:${text}`);
  return text.length;
});
const pipeline = env.task({ cache: "auto" }, async function pipeline(texts: string[]) {
  executions.push("pipeline");
  return Promise.all(texts.map((t) => embed(t)));
});
const uncachedParent = env.task(async function uncachedParent(texts: string[]) {
  return Promise.all(texts.map((t) => embed(t)));
});

const versioned = (version: string) =>
  env.task({ name: `versioned_${version.replace(/\W/g, "")}`, cache: "override", cacheVersion: version }, async function versionedFn(x: number) {
    executions.push(`versioned:${version}:${x}`);
    return x;
  });
const pinnedV1 = versioned("v1");

const overridden = env.task({ cache: "override", cacheVersion: "v1" }, async function overridden(x: number) {
  executions.push(`overridden:${x}`);
  return x * 10;
});
const overriddenV2 = overridden.withOverrides({ cache: "override", cacheVersion: "v2" });
const callOverridden = env.task(async function callOverridden(version: number, x: number) {
  return version === 1 ? overridden(x) : overriddenV2(x);
});

let serialized = 0;
const expensive = env.task({ cache: new flyte.Cache({ behavior: "auto", serialize: true }) }, async function expensive(key: string) {
  serialized++;
  await new Promise((resolve) => setTimeout(resolve, 20));
  return `${key}!`;
});
const twenty = env.task(async function twenty() {
  return Promise.all(Array.from({ length: 20 }, () => expensive("same")));
});

describe("cache", () => {
  it("a second run with the same inputs executes nothing", async () => {
    executions.length = 0;
    const first = await flyte.run(pipeline, ["a", "bb", "ccc"]);
    expect(await first.outputs()).toEqual([1, 2, 3]);
    expect(executions.sort()).toEqual(["embed:a", "embed:bb", "embed:ccc", "pipeline"]);

    executions.length = 0;
    const second = await flyte.run(pipeline, ["a", "bb", "ccc"]);
    expect(await second.outputs()).toEqual([1, 2, 3]);
    expect(executions).toEqual([]);
    const [root] = await second.actions();
    expect(root).toMatchObject({ name: "a0", phase: "succeeded", cacheStatus: "hit" });
  });

  it("cached children of an uncached parent are hits, and changed inputs re-execute", async () => {
    executions.length = 0;
    const run = await flyte.run(uncachedParent, ["a", "bb", "dddd"]);
    expect(await run.outputs()).toEqual([1, 2, 4]);
    expect(executions).toEqual(["embed:dddd"]);
    const children = (await run.actions()).filter((a) => a.parentName === "a0");
    expect(children.map((a) => a.cacheStatus).sort()).toEqual(["hit", "hit", "miss"]);
  });

  it("a changed cacheVersion re-executes; the same version does not", async () => {
    executions.length = 0;
    await (await flyte.run(callOverridden, 1, 5)).outputs();
    await (await flyte.run(callOverridden, 1, 5)).outputs();
    expect(executions).toEqual(["overridden:5"]);
    await (await flyte.run(callOverridden, 2, 5)).outputs();
    expect(executions).toEqual(["overridden:5", "overridden:5"]);
    await (await flyte.run(pinnedV1, 3)).outputs();
    await (await flyte.run(pinnedV1, 3)).outputs();
    expect(executions.filter((e) => e.startsWith("versioned"))).toEqual(["versioned:v1:3"]);
  });

  it("overwriteCache re-executes and replaces the entry", async () => {
    executions.length = 0;
    const run = await flyte.withRunContext({ overwriteCache: true }).run(uncachedParent, ["a"]);
    expect(await run.outputs()).toEqual([1]);
    expect(executions).toEqual(["embed:a"]);
  });

  it("serialize runs 20 concurrent identical calls once", async () => {
    serialized = 0;
    const run = await flyte.run(twenty);
    expect(await run.outputs()).toEqual(Array.from({ length: 20 }, () => "same!"));
    expect(serialized).toBe(1);
    const children = (await run.actions()).filter((a) => a.parentName === "a0");
    expect(children).toHaveLength(20);
    expect(children.filter((a) => a.cacheStatus === "miss")).toHaveLength(1);
  });
});

describe("serialize across engines", () => {
  it("a second engine on the same store waits for the first one's reservation and then hits the cache", async () => {
    const { LocalEngine } = await import("../src/engine/index.js");
    const { currentSettings } = await import("../src/sdk/config.js");
    const { taskTemplateOf } = await import("../src/sdk/index.js");
    serialized = 0;
    const dir = currentSettings().localDir;
    const a = LocalEngine.open(dir);
    const b = LocalEngine.open(dir);
    try {
      const settings = { project: "p", domain: "d", labels: {}, envVars: {}, overwriteCache: false };
      const template = taskTemplateOf(expensive)!;
      const first = a.start(template, ["cross-engine"], settings);
      const second = b.start(template, ["cross-engine"], settings);
      const [x, y] = await Promise.all([first.done, second.done]);
      expect([x.phase, y.phase]).toEqual(["succeeded", "succeeded"]);
      expect(serialized).toBe(1);
      const roots = await Promise.all([a.store.getAction(first.name, "a0"), a.store.getAction(second.name, "a0")]);
      expect(roots.map((r) => r?.cacheStatus).sort()).toEqual(["hit", "miss"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
