import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { parseBytes, parseCpu, Resources, type ResourcesOptions } from "./resources.js";

const GI = 2 ** 30;
const MI = 2 ** 20;

function expectInvalid(options: unknown, ...fragments: string[]): void {
  const call = () => new Resources(options as ResourcesOptions);
  expect(call).toThrow(InvalidOptionError);
  for (const f of fragments) expect(call).toThrow(f);
}

describe("Resources", () => {
  it("is empty by default", () => {
    const r = new Resources();
    expect([r.cpu, r.memory, r.gpu, r.disk]).toEqual([undefined, undefined, undefined, undefined]);
    expect(r.toJSON()).toEqual({});
  });

  it("normalises the API example", () => {
    const r = new Resources({ cpu: "2", memory: "4Gi", gpu: "A100:2", disk: "10Gi" });
    expect(r.cpu).toEqual({ request: 2, limit: 2 });
    expect(r.memory).toEqual({ request: 4 * GI, limit: 4 * GI });
    expect(r.gpu).toEqual({ type: "A100", count: 2 });
    expect(r.disk).toEqual({ request: 10 * GI, limit: 10 * GI });
  });

  it.each([
    [2, 2],
    [0.25, 0.25],
    ["2", 2],
    ["0.5", 0.5],
    [".5", 0.5],
    ["500m", 0.5],
    ["1500m", 1.5],
  ])("cpu %j → %d cores", (cpu, cores) => {
    expect(new Resources({ cpu }).cpu).toEqual({ request: cores, limit: cores });
  });

  it("cpu accepts a [request, limit] pair", () => {
    expect(new Resources({ cpu: ["500m", 2] }).cpu).toEqual({ request: 0.5, limit: 2 });
  });

  it.each([
    [1024, 1024],
    ["1024", 1024],
    ["512Mi", 512 * MI],
    ["4Gi", 4 * GI],
    ["1.5Gi", 1.5 * GI],
    ["1Ti", 2 ** 40],
    ["1Ki", 1024],
    ["1k", 1000],
    ["1K", 1000],
    ["1000M", 1e9],
    ["1G", 1e9],
    ["2T", 2e12],
  ])("memory %j → %d bytes", (memory, bytes) => {
    expect(new Resources({ memory }).memory).toEqual({ request: bytes, limit: bytes });
    expect(new Resources({ disk: memory }).disk).toEqual({ request: bytes, limit: bytes });
  });

  it("memory and disk accept [request, limit] pairs", () => {
    const r = new Resources({ memory: ["1Gi", "2Gi"], disk: [1000, "1G"] });
    expect(r.memory).toEqual({ request: GI, limit: 2 * GI });
    expect(r.disk).toEqual({ request: 1000, limit: 1e9 });
  });

  it.each([
    [0, { type: undefined, count: 0 }],
    [1, { type: undefined, count: 1 }],
    ["4", { type: undefined, count: 4 }],
    ["A100:2", { type: "A100", count: 2 }],
    ["L40s:1", { type: "L40s", count: 1 }],
    ["nvidia-t4:8", { type: "nvidia-t4", count: 8 }],
  ])("gpu %j", (gpu, value) => {
    expect(new Resources({ gpu }).gpu).toEqual(value);
  });

  it.each<[unknown, ...string[]]>([
    [{ cpu: "two" }, 'Resources: option "cpu": got "two"', '"500m"'],
    [{ cpu: 0 }, 'option "cpu": got 0'],
    [{ cpu: -1 }, "got -1"],
    [{ cpu: "2 cores" }, 'got "2 cores"'],
    [{ cpu: [2, 1] }, 'option "cpu": got [2,1]', "request ≤ limit"],
    [{ cpu: [1, 2, 3] }, "got [1,2,3]", "exactly 2"],
    [{ cpu: ["1", "x"] }, 'option "cpu[1]": got "x"'],
    [{ cpu: [true, 1] }, 'option "cpu[0]": got true'],
    [{ memory: "4GB" }, 'Resources: option "memory": got "4GB"', '"512Mi"'],
    [{ memory: "4gi" }, 'got "4gi"'],
    [{ memory: "4ki" }, 'got "4ki"'],
    [{ memory: "100m" }, 'got "100m"'],
    [{ memory: 0 }, "got 0"],
    [{ memory: 1.5 }, "got 1.5"],
    [{ memory: ["2Gi", "1Gi"] }, "request ≤ limit"],
    [{ disk: "lots" }, 'option "disk": got "lots"'],
    [{ gpu: "A100" }, 'option "gpu": got "A100"', '"A100:2"'],
    [{ gpu: "A100:0" }, 'got "A100:0"', "count ≥ 1"],
    [{ gpu: 1.5 }, "got 1.5"],
    [{ gpu: -1 }, "got -1"],
    [{ gpu: ":2" }, 'got ":2"'],
    [{ gpu: true }, "got true"],
  ])("rejects %j", (options, ...fragments) => {
    expectInvalid(options, ...fragments);
  });

  it("rejects unknown keys with a suggestion", () => {
    expectInvalid({ mem: "4Gi" }, 'Resources: unknown option "mem"', 'Did you mean "memory"?');
    expectInvalid({ memroy: "4Gi" }, 'Did you mean "memory"?');
  });

  it("rejects non-object options", () => {
    expectInvalid("2", 'Resources options: got "2"');
  });

  it("ignores explicitly undefined fields", () => {
    expect(new Resources({ cpu: undefined, memory: "1Gi" }).toJSON()).toEqual({ memory: "1Gi" });
  });

  it("toJSON keeps the user's spelling", () => {
    const options = { cpu: ["500m", "2"] as const, memory: "4Gi", gpu: "A100:2", disk: 1000 };
    expect(new Resources(options).toJSON()).toEqual({ cpu: ["500m", "2"], memory: "4Gi", gpu: "A100:2", disk: 1000 });
    expect(JSON.parse(JSON.stringify(new Resources({ memory: "1G" })))).toEqual({ memory: "1G" });
  });

  it("is frozen and does not alias the caller's arrays", () => {
    const cpu: [string, string] = ["1", "2"];
    const r = new Resources({ cpu });
    cpu[1] = "8";
    expect(r.cpu).toEqual({ request: 1, limit: 2 });
    expect(r.toJSON().cpu).toEqual(["1", "2"]);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.cpu)).toBe(true);
  });

  it("merge lets the override's fields win", () => {
    const base = new Resources({ cpu: "2", memory: "4Gi", gpu: "A100:1" });
    const merged = base.merge(new Resources({ memory: "32Gi", disk: "100Gi" }));
    expect(merged).not.toBe(base);
    expect(merged.toJSON()).toEqual({ cpu: "2", memory: "32Gi", gpu: "A100:1", disk: "100Gi" });
    expect(merged.memory).toEqual({ request: 32 * GI, limit: 32 * GI });
    expect(base.toJSON().memory).toBe("4Gi");
    expect(() => base.merge({ memory: "1Gi" } as unknown as Resources)).toThrow('Resources.merge: argument "override"');
  });
});

describe("quantity parsers", () => {
  it("return undefined for non-quantities", () => {
    expect(parseCpu("abc")).toBeUndefined();
    expect(parseCpu(Number.NaN)).toBeUndefined();
    expect(parseBytes("1Ei")).toBeUndefined();
    expect(parseBytes(null)).toBeUndefined();
  });
});
