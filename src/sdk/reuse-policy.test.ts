import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { ReusePolicy, type ReusePolicyOptions } from "./reuse-policy.js";

function expectInvalid(options: unknown, ...fragments: string[]): void {
  const call = () => new ReusePolicy(options as ReusePolicyOptions);
  expect(call).toThrow(InvalidOptionError);
  for (const f of fragments) expect(call).toThrow(f);
}

describe("ReusePolicy", () => {
  it("applies defaults for a fixed replica count", () => {
    const p = new ReusePolicy({ replicas: 2 });
    expect(p.toJSON()).toEqual({ minReplicas: 2, maxReplicas: 2, concurrency: 1, idleTtlMs: 300_000, scaledownTtlMs: null });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it("normalises the API example", () => {
    const p = new ReusePolicy({ replicas: [1, 4], concurrency: 8, idleTtl: "5m" });
    expect([p.minReplicas, p.maxReplicas, p.concurrency, p.idleTtlMs]).toEqual([1, 4, 8, 300_000]);
  });

  it("accepts scale-to-zero ranges and explicit ttls", () => {
    const p = new ReusePolicy({ replicas: [0, 3], idleTtl: 1000, scaledownTtl: "30s" });
    expect([p.minReplicas, p.maxReplicas, p.idleTtlMs, p.scaledownTtlMs]).toEqual([0, 3, 1000, 30_000]);
    expect(new ReusePolicy({ replicas: [2, 2] }).minReplicas).toBe(2);
  });

  it.each<[unknown, ...string[]]>([
    [{ replicas: 0 }, 'ReusePolicy: option "replicas": got 0', "[min, max]"],
    [{ replicas: 1.5 }, "got 1.5"],
    [{ replicas: "2" }, 'got "2"'],
    [{}, 'option "replicas": got undefined'],
    [{ replicas: [0, 0] }, "got [0,0]"],
    [{ replicas: [3, 1] }, "got [3,1]"],
    [{ replicas: [-1, 2] }, "got [-1,2]"],
    [{ replicas: [1] }, "got [1]"],
    [{ replicas: [1, 2, 3] }, "got [1,2,3]"],
    [{ replicas: [1, "2"] }, 'got [1,"2"]'],
    [{ replicas: 1, concurrency: 0 }, 'option "concurrency": got 0', "integer ≥ 1"],
    [{ replicas: 1, concurrency: 2.5 }, "got 2.5"],
    [{ replicas: 1, idleTtl: "forever" }, 'option "idleTtl": got "forever"'],
    [{ replicas: 1, scaledownTtl: -5 }, 'option "scaledownTtl": got -5'],
    [{ replicas: 1, idleTTL: "5m" }, 'unknown option "idleTTL"', 'Did you mean "idleTtl"?'],
    [null, "ReusePolicy options: got null"],
  ])("rejects %j", (options, ...fragments) => {
    expectInvalid(options, ...fragments);
  });
});
