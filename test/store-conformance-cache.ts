// RunStore conformance, cache: entries shared across runs (put, overwrite, delete, bulk lookup) and the
// reservations that let identical concurrent calls wait for one execution. Called by runStoreConformance().
import { describe, expect, it } from "vitest";
import type { WriteOp } from "../src/store/index.js";
import { cacheEntry, type StoreFixture } from "./store-conformance-records.js";

export function storeCacheConformance(fx: StoreFixture): void {
  const write = (...ops: WriteOp[]): Promise<void> => fx.store.write(ops);

  describe("cache entries", () => {
    it("puts, reads, overwrites and deletes entries", async () => {
      const k1 = cacheEntry("k1", { taskName: "env.a", outputs: '{"v":1}', runName: "run-9", actionName: "x1" });
      await write({ op: "cache.put", entry: k1 }, { op: "cache.put", entry: cacheEntry("k2") });
      const found = await fx.store.getCacheEntries(["k1", "missing", "k2"]);
      expect(found.size).toBe(2);
      expect(found.get("k1")).toStrictEqual(k1);
      expect(found.has("missing")).toBe(false);

      const newer = cacheEntry("k1", { outputs: '{"v":2}', createdAt: 5_000, runName: "run-10" });
      await write({ op: "cache.put", entry: newer });
      expect((await fx.store.getCacheEntries(["k1"])).get("k1")).toStrictEqual(newer);

      await write({ op: "cache.delete", key: "k1" }, { op: "cache.delete", key: "never-existed" });
      expect([...(await fx.store.getCacheEntries(["k1", "k2"])).keys()]).toEqual(["k2"]);
    });

    it("answers an empty lookup, duplicate keys, and more keys than one query's parameter list", async () => {
      expect((await fx.store.getCacheEntries([])).size).toBe(0);
      const keys = Array.from({ length: 1_203 }, (_, i) => `key-${i}`);
      await fx.store.write(
        keys.filter((_, i) => i % 2 === 0).map((key) => ({ op: "cache.put" as const, entry: cacheEntry(key) })),
      );
      const found = await fx.store.getCacheEntries([...keys, "key-0", "key-1202"]);
      expect(found.size).toBe(602);
      expect(found.get("key-1202")).toStrictEqual(cacheEntry("key-1202"));
      expect(found.has("key-1201")).toBe(false);
    });
  });

  describe("cache reservations", () => {
    it("takes a free reservation and refuses it to another owner while it holds", async () => {
      expect(await fx.store.reserveCache("k", "alice", 1_000, 10_000)).toBe(true);
      expect(await fx.store.reserveCache("k", "bob", 1_000, 10_500)).toBe(false);
      expect(await fx.store.reserveCache("k", "bob", 1_000, 10_999)).toBe(false);
      // Another key is independent.
      expect(await fx.store.reserveCache("k2", "bob", 1_000, 10_500)).toBe(true);
    });

    it("lets the same owner refresh its reservation, extending it", async () => {
      expect(await fx.store.reserveCache("k", "alice", 1_000, 10_000)).toBe(true);
      expect(await fx.store.reserveCache("k", "alice", 1_000, 10_800)).toBe(true);
      // Without the refresh it would have expired at 11_000.
      expect(await fx.store.reserveCache("k", "bob", 1_000, 11_500)).toBe(false);
      expect(await fx.store.reserveCache("k", "bob", 1_000, 11_800)).toBe(true);
    });

    it("hands an expired reservation to another owner", async () => {
      expect(await fx.store.reserveCache("k", "alice", 1_000, 10_000)).toBe(true);
      expect(await fx.store.reserveCache("k", "bob", 500, 11_000)).toBe(true);
      expect(await fx.store.reserveCache("k", "alice", 1_000, 11_200)).toBe(false);
    });

    it("releases only for the owner", async () => {
      expect(await fx.store.reserveCache("k", "alice", 1_000, 10_000)).toBe(true);
      await fx.store.releaseCache("k", "bob");
      expect(await fx.store.reserveCache("k", "bob", 1_000, 10_100)).toBe(false);
      await fx.store.releaseCache("k", "alice");
      expect(await fx.store.reserveCache("k", "bob", 1_000, 10_200)).toBe(true);
      await fx.store.releaseCache("never-reserved", "bob");
    });
  });
}
