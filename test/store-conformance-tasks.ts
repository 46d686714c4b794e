// RunStore conformance, task registry: registering deployed task versions (create, redeploy, conflict), reading one
// version or the latest, and listing a task's versions or every task's latest, always scoped by project and domain.
// Called by runStoreConformance().
import { describe, expect, it } from "vitest";
import type { TaskVersionRecord } from "../src/store/index.js";
import type { StoreFixture } from "./store-conformance-records.js";

const CODE_A = `a${"0".repeat(11)}${"1".repeat(52)}`;
const CODE_B = `b${"0".repeat(11)}${"2".repeat(52)}`;

function taskVersion(overrides: Partial<TaskVersionRecord> = {}): TaskVersionRecord {
  return {
    project: "flytesnacks",
    domain: "development",
    taskId: "env.train",
    version: "v1",
    envName: "env",
    code: CODE_A,
    definition: '{"inputs":[{"name":"x","type":"int"}],"retries":2}',
    createdAt: 1_000,
    deployedAt: 1_000,
    ...overrides,
  };
}

/** A redeploy of `record` at `at`: a new record with the same key and code, as `flyte deploy` builds it. */
const deployedAgain = (record: TaskVersionRecord, at: number): TaskVersionRecord => ({
  ...record,
  createdAt: at,
  deployedAt: at,
});

export function storeTaskConformance(fx: StoreFixture): void {
  const versionsOf = (records: TaskVersionRecord[]): string[] => records.map((r) => `${r.taskId}@${r.version}`);

  describe("task registry", () => {
    it("creates versions, then redeploys the same code: deployedAt moves, createdAt stays, latest follows it", async () => {
      const v1 = taskVersion();
      const evalV1 = taskVersion({ taskId: "env.eval", definition: "{}" });
      expect(await fx.store.registerTaskVersions([v1, evalV1])).toStrictEqual({
        created: ["env.train", "env.eval"],
        redeployed: [],
      });
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v1")).toStrictEqual(v1);

      const v2 = taskVersion({ version: "v2", code: CODE_B, createdAt: 2_000, deployedAt: 2_000 });
      expect(await fx.store.registerTaskVersions([v2])).toStrictEqual({ created: ["env.train"], redeployed: [] });
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train")).toStrictEqual(v2);

      expect(await fx.store.registerTaskVersions([deployedAgain(v1, 3_000), deployedAgain(evalV1, 3_000)])).toStrictEqual({
        created: [],
        redeployed: ["env.train", "env.eval"],
      });
      const redeployed = { ...v1, deployedAt: 3_000 };
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v1")).toStrictEqual(redeployed);
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train")).toStrictEqual(redeployed);
      expect(await fx.store.registerTaskVersions([])).toStrictEqual({ created: [], redeployed: [] });
    });

    it("stores a key repeated in one batch once, as if the records were applied in order", async () => {
      const v1 = taskVersion();
      const result = await fx.store.registerTaskVersions([v1, deployedAgain(v1, 5_000)]);
      expect(result).toStrictEqual({ created: ["env.train"], redeployed: [] });
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v1")).toStrictEqual({
        ...v1,
        deployedAt: 5_000,
      });
    });

    it("rejects a version registered with other code, naming both codes and the fix, and stores nothing of the batch", async () => {
      const v1 = taskVersion();
      const evalV1 = taskVersion({ taskId: "env.eval" });
      await fx.store.registerTaskVersions([v1, evalV1]);
      const batch = [
        taskVersion({ taskId: "env.new", createdAt: 9_000, deployedAt: 9_000 }),
        deployedAgain(evalV1, 9_000),
        taskVersion({ version: "v2", createdAt: 9_000, deployedAt: 9_000 }),
        taskVersion({ code: CODE_B, createdAt: 9_000, deployedAt: 9_000 }),
      ];
      const error = await fx.store.registerTaskVersions(batch).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: unknown }).code).toBe("TASK_VERSION_CONFLICT");
      const message = (error as Error).message;
      for (const part of ["env.train", "v1", "flytesnacks/development", CODE_A.slice(0, 12), CODE_B.slice(0, 12)]) {
        expect(message).toContain(part);
      }
      expect(message).not.toContain(CODE_A.slice(0, 13));
      expect(message).toMatch(/versions are immutable: deploy without --version .*or pick a new version/i);

      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.new")).toBeUndefined();
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v2")).toBeUndefined();
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v1")).toStrictEqual(v1);
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.eval", "v1")).toStrictEqual(evalV1);
      // A batch of only the conflicting record is refused the same way.
      await expect(fx.store.registerTaskVersions([batch[3] as TaskVersionRecord])).rejects.toMatchObject({
        code: "TASK_VERSION_CONFLICT",
      });
    });

    it("rejects a batch that names one version twice with different code", async () => {
      const batch = [taskVersion({ taskId: "env.eval" }), taskVersion(), taskVersion({ code: CODE_B })];
      await expect(fx.store.registerTaskVersions(batch)).rejects.toMatchObject({ code: "TASK_VERSION_CONFLICT" });
      expect(await fx.store.listTaskVersions({ project: "flytesnacks", domain: "development" })).toEqual([]);
    });

    it("lets concurrent registrations of one version both succeed: one creates, the other redeploys", async () => {
      const v1 = taskVersion();
      const results = await Promise.all([
        fx.store.registerTaskVersions([v1]),
        fx.store.registerTaskVersions([deployedAgain(v1, 2_000)]),
      ]);
      expect(results.flatMap((r) => r.created)).toEqual(["env.train"]);
      expect(results.flatMap((r) => r.redeployed)).toEqual(["env.train"]);
    });

    it("gets an exact version or the latest; unknown tasks, versions and scopes are undefined", async () => {
      const v1 = taskVersion();
      await fx.store.registerTaskVersions([v1, taskVersion({ project: "other", version: "v9", code: CODE_B })]);
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v1")).toStrictEqual(v1);
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train")).toStrictEqual(v1);
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.train", "v9")).toBeUndefined();
      expect(await fx.store.getTaskVersion("flytesnacks", "development", "env.nope")).toBeUndefined();
      expect(await fx.store.getTaskVersion("flytesnacks", "production", "env.train")).toBeUndefined();
      expect((await fx.store.getTaskVersion("other", "development", "env.train"))?.version).toBe("v9");
    });

    it("breaks deployedAt ties by newest createdAt, then by version", async () => {
      await fx.store.registerTaskVersions([
        taskVersion({ version: "v-a", createdAt: 1_000, deployedAt: 5_000 }),
        taskVersion({ version: "v-b", createdAt: 2_000, deployedAt: 5_000 }),
        taskVersion({ version: "v-c", createdAt: 2_000, deployedAt: 5_000 }),
        taskVersion({ version: "v-d", createdAt: 9_000, deployedAt: 4_000 }),
      ]);
      expect((await fx.store.getTaskVersion("flytesnacks", "development", "env.train"))?.version).toBe("v-c");
      const all = await fx.store.listTaskVersions({ project: "flytesnacks", domain: "development", taskId: "env.train" });
      expect(all.map((r) => r.version)).toEqual(["v-c", "v-b", "v-a", "v-d"]);
    });

    it("lists one task's versions newest deployment first, or every task's latest by id, within one scope", async () => {
      const scope = { project: "flytesnacks", domain: "development" };
      await fx.store.registerTaskVersions([
        taskVersion({ taskId: "env.train", version: "v1", deployedAt: 1_000 }),
        taskVersion({ taskId: "env.train", version: "v2", deployedAt: 2_000 }),
        taskVersion({ taskId: "env.train", version: "v3", deployedAt: 3_000 }),
        taskVersion({ taskId: "env.eval", version: "e1", deployedAt: 1_500 }),
        taskVersion({ taskId: "env.Zeta", version: "z1", deployedAt: 1_500 }),
        taskVersion({ taskId: "env.a", version: "a1", deployedAt: 1_500 }),
        // Same task ids elsewhere, and deployed later: they must not leak into the scope.
        taskVersion({ project: "other", taskId: "env.train", version: "o1", deployedAt: 9_000 }),
        taskVersion({ domain: "production", taskId: "env.train", version: "p1", deployedAt: 9_000 }),
        taskVersion({ domain: "production", taskId: "env.only-prod", version: "p1", deployedAt: 9_000 }),
      ]);
      await fx.store.registerTaskVersions([taskVersion({ taskId: "env.train", version: "v1", deployedAt: 4_000 })]);

      const train = { ...scope, taskId: "env.train" };
      expect(versionsOf(await fx.store.listTaskVersions(train))).toEqual(["env.train@v1", "env.train@v3", "env.train@v2"]);
      expect(versionsOf(await fx.store.listTaskVersions({ ...train, limit: 1, offset: 1 }))).toEqual(["env.train@v3"]);
      expect(versionsOf(await fx.store.listTaskVersions({ ...train, offset: 3 }))).toEqual([]);
      expect(await fx.store.listTaskVersions({ ...scope, taskId: "env.nope" })).toEqual([]);

      // By task id, bytewise: upper case sorts before lower case.
      const latest = ["env.Zeta@z1", "env.a@a1", "env.eval@e1", "env.train@v1"];
      expect(versionsOf(await fx.store.listTaskVersions(scope))).toEqual(latest);
      expect(versionsOf(await fx.store.listTaskVersions({ ...scope, limit: 2 }))).toEqual(latest.slice(0, 2));
      expect(versionsOf(await fx.store.listTaskVersions({ ...scope, limit: 2, offset: 3 }))).toEqual(latest.slice(3));
      expect(await fx.store.listTaskVersions({ ...scope, limit: 0 })).toEqual([]);
      expect(versionsOf(await fx.store.listTaskVersions({ project: "flytesnacks", domain: "production" }))).toEqual([
        "env.only-prod@p1",
        "env.train@p1",
      ]);
      expect(await fx.store.listTaskVersions({ project: "nope", domain: "development" })).toEqual([]);
    });

    it("returns whole records from lists, and lists at most 100 by default", async () => {
      const records = Array.from({ length: 105 }, (_, i) =>
        taskVersion({ taskId: `env.t${String(i).padStart(3, "0")}`, deployedAt: 1_000 + i }),
      );
      await fx.store.registerTaskVersions(records);
      const page = await fx.store.listTaskVersions({ project: "flytesnacks", domain: "development" });
      expect(page.length).toBe(100);
      expect(page[0]).toStrictEqual(records[0]);
      expect(page[99]).toStrictEqual(records[99]);
    });

    it("rejects a limit or offset that is not a non-negative integer", async () => {
      const scope = { project: "flytesnacks", domain: "development" };
      await expect(fx.store.listTaskVersions({ ...scope, limit: -1 })).rejects.toThrow(/limit must be a non-negative integer/);
      await expect(fx.store.listTaskVersions({ ...scope, offset: 1.5 })).rejects.toThrow(/offset must be/);
    });
  });
}
