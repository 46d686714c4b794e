// RunStore conformance, actions and attempts: round trips, replace-on-insert, partial transitions and
// creation order at a realistic batch size. Called by runStoreConformance() inside its describe().
import { describe, expect, it } from "vitest";
import type { WriteOp } from "../src/store/index.js";
import {
  NESTED_ERROR,
  RUN,
  actionRecord,
  attemptRecord,
  scrambledName,
  type StoreFixture,
} from "./store-conformance-records.js";

export function storeActionConformance(fx: StoreFixture): void {
  const write = (...ops: WriteOp[]): Promise<void> => fx.store.write(ops);

  describe("actions", () => {
    it("inserts and reads an action with every field set; unknown is undefined", async () => {
      const action = actionRecord("a1", {
        type: "trace",
        group: "g1",
        seq: 7,
        phase: "running",
        attempt: 3,
        inputs: '{"x":[1,"two"]}',
        outputs: "[42]",
        error: NESTED_ERROR,
        cacheKey: "k1",
        cacheStatus: "hit",
        createdAt: 1_234,
        startedAt: 1_300,
        endedAt: 1_400,
      });
      await write({ op: "action.insert", action });
      expect(await fx.store.getAction(RUN, "a1")).toStrictEqual(action);
      expect(await fx.store.getAction(RUN, "a2")).toBeUndefined();
      expect(await fx.store.getAction("other-run", "a1")).toBeUndefined();
    });

    it("keeps actions of different runs apart", async () => {
      await write(
        { op: "action.insert", action: actionRecord("a0", { taskName: "one" }) },
        { op: "action.insert", action: actionRecord("a0", { runName: "run-2", taskName: "two" }) },
      );
      expect((await fx.store.getAction(RUN, "a0"))?.taskName).toBe("one");
      expect((await fx.store.getAction("run-2", "a0"))?.taskName).toBe("two");
      expect((await fx.store.listActions("run-2")).map((a) => a.taskName)).toEqual(["two"]);
    });

    it("replaces an action inserted again under the same name, keeping its place", async () => {
      await write(
        { op: "action.insert", action: actionRecord("a0") },
        { op: "action.insert", action: actionRecord("a1", { phase: "failed", error: NESTED_ERROR }) },
        { op: "action.insert", action: actionRecord("a2") },
      );
      const again = actionRecord("a1", { phase: "queued", attempt: 2, inputs: "[9]" });
      await write({ op: "action.insert", action: again });
      expect(await fx.store.getAction(RUN, "a1")).toStrictEqual(again);
      expect((await fx.store.listActions(RUN)).map((a) => a.name)).toEqual(["a0", "a1", "a2"]);
    });

    it("transitions an action: undefined keeps a field, null clears it", async () => {
      await write({ op: "action.insert", action: actionRecord("a1") });
      await write({
        op: "action.transition",
        transition: { runName: RUN, name: "a1", phase: "running", attempt: 1, startedAt: 2_000 },
      });
      expect(await fx.store.getAction(RUN, "a1")).toStrictEqual(
        actionRecord("a1", { phase: "running", startedAt: 2_000 }),
      );
      await write({
        op: "action.transition",
        transition: {
          runName: RUN,
          name: "a1",
          phase: "failed",
          attempt: 1,
          endedAt: 3_000,
          outputs: "[1]",
          error: NESTED_ERROR,
          cacheStatus: "miss",
        },
      });
      const failed = actionRecord("a1", {
        phase: "failed",
        startedAt: 2_000,
        endedAt: 3_000,
        outputs: "[1]",
        error: NESTED_ERROR,
        cacheStatus: "miss",
      });
      expect(await fx.store.getAction(RUN, "a1")).toStrictEqual(failed);
      await write({
        op: "action.transition",
        transition: { runName: RUN, name: "a1", phase: "queued", attempt: 2, endedAt: null, outputs: null, error: null },
      });
      expect(await fx.store.getAction(RUN, "a1")).toStrictEqual(
        actionRecord("a1", { phase: "queued", attempt: 2, startedAt: 2_000, cacheStatus: "miss" }),
      );
    });

    it("rejects a transition of an unknown action", async () => {
      await expect(
        write({ op: "action.transition", transition: { runName: RUN, name: "nope", phase: "running", attempt: 1 } }),
      ).rejects.toThrow();
    });

    it("lists 2,000 actions inserted in one batch, and each parent's children, in creation order", async () => {
      const parents = ["a0", scrambledName(0), scrambledName(1)];
      const actions = [actionRecord("a0")];
      for (let i = 0; i < 2_000; i++) {
        // All share one timestamp: order must come from insertion, not from createdAt or the name.
        actions.push(actionRecord(scrambledName(i), { parentName: parents[i < 2 ? 0 : i % 3] ?? null, seq: i }));
      }
      await fx.store.write(actions.map((action) => ({ op: "action.insert" as const, action })));
      const listed = await fx.store.listActions(RUN);
      expect(listed.map((a) => a.name)).toEqual(actions.map((a) => a.name));
      expect(listed[1234]).toStrictEqual(actions[1234]);
      for (const parent of parents) {
        const expected = actions.filter((a) => a.parentName === parent).map((a) => a.name);
        expect(expected.length).toBeGreaterThan(600);
        expect((await fx.store.listChildren(RUN, parent)).map((a) => a.name)).toEqual(expected);
      }
      expect(await fx.store.listChildren(RUN, scrambledName(5))).toEqual([]);
      expect(await fx.store.listActions("other-run")).toEqual([]);
    });
  });

  describe("attempts", () => {
    it("lists attempts of an action, and of a run by action then attempt", async () => {
      const attempts = [
        attemptRecord("a2", 2, { phase: "succeeded", error: null }),
        attemptRecord("a1", 1, { error: NESTED_ERROR }),
        attemptRecord("a2", 1, { phase: "timed_out" }),
        attemptRecord("a1", 3),
        attemptRecord("a1", 2),
        attemptRecord("a1", 1, { runName: "run-2" }),
      ];
      await fx.store.write(attempts.map((attempt) => ({ op: "attempt.insert" as const, attempt })));
      const a1 = await fx.store.listAttempts(RUN, "a1");
      expect(a1.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(a1[0]).toStrictEqual(attempts[1]);
      const all = await fx.store.listAttempts(RUN);
      expect(all.map((a) => `${a.actionName}#${a.attempt}`)).toEqual(["a1#1", "a1#2", "a1#3", "a2#1", "a2#2"]);
      expect(await fx.store.listAttempts(RUN, "nope")).toEqual([]);
    });
  });
}
