// The adapter between a server's watch stream (whole records) and the progress model (WriteOps): a snapshot
// inserts, later records transition, coalesced retries still count as retries, and the result drives the view
// exactly as the engine's own ops do.
import { describe, expect, it } from "vitest";
import type { ActionRecord, RunRecord } from "../../store/index.js";
import { actionRecord } from "../../../test/store-conformance-records.js";
import { errorRecord, FakeOut, RUN, runInsert } from "../../../test/support/progress-ops.js";
import { ProgressModel } from "./progress-model.js";
import { createProgressView } from "./progress-view.js";
import { WatchOpsAdapter } from "./watch-ops.js";

const baseRun = (runInsert(1_000) as { run: RunRecord }).run;
const run = (fields: Partial<RunRecord> = {}): RunRecord => ({ ...baseRun, ...fields });
const action = (name: string, fields: Partial<ActionRecord> = {}): ActionRecord =>
  actionRecord(name, { runName: RUN, taskName: name === "a0" ? "hello.main" : "hello.double", phase: "running", startedAt: 1_000, ...fields });

describe("WatchOpsAdapter", () => {
  it("inserts what a snapshot shows, then turns later records into transitions", () => {
    const finished: string[] = [];
    const model = new ProgressModel(RUN, { onFinished: (a) => finished.push(`${a.name}:${a.phase}`) });
    const adapter = new WatchOpsAdapter(RUN);
    const apply = (event: Parameters<WatchOpsAdapter["ops"]>[0]): void => adapter.ops(event).forEach((op) => model.apply(op));

    apply({ event: "snapshot", run: run(), actions: [action("a0"), action("c1", { phase: "succeeded", endedAt: 1_010 })] });
    expect(model.total).toBe(2);
    expect(model.runPhase).toBe("running");
    expect(finished).toEqual(["c1:succeeded"]);

    apply({ event: "action", actions: [action("c2"), action("c1", { phase: "succeeded", endedAt: 1_010 })] });
    apply({ event: "action", actions: [action("c2", { phase: "failed", endedAt: 1_020, error: errorRecord("boom") })] });
    expect(model.total).toBe(3);
    expect(model.counts).toMatchObject({ running: 1, succeeded: 1, failed: 1 });
    expect(finished).toEqual(["c1:succeeded", "c2:failed"]);
    expect(model.actions.get("c2")).toMatchObject({ errorMessage: "boom", endedAt: 1_020 });

    apply({ event: "run", run: run({ phase: "failed", endedAt: 1_030 }) });
    expect(model).toMatchObject({ runPhase: "failed", runEndedAt: 1_030 });
    // Another run's records on the stream change nothing.
    apply({ event: "action", actions: [{ ...action("zz"), runName: "other" }] });
    expect(model.total).toBe(3);
  });

  it("reports a retry even when the server coalesced its queued state away", () => {
    const retries: string[] = [];
    const model = new ProgressModel(RUN, { onRetry: (a, attempt, error) => retries.push(`${a.name}:${attempt}:${error?.message ?? ""}`) });
    const adapter = new WatchOpsAdapter(RUN);
    for (const event of [
      { event: "snapshot", run: run(), actions: [action("a0"), action("f1")] },
      { event: "action", actions: [action("f1", { attempt: 2, phase: "running", error: errorRecord("flaky") })] },
      { event: "action", actions: [action("f1", { attempt: 2, phase: "succeeded", endedAt: 1_050 })] },
    ]) {
      adapter.ops(event).forEach((op) => model.apply(op));
    }
    expect(retries).toEqual(["f1:1:flaky"]);
    expect(model.actions.get("f1")).toMatchObject({ attempt: 2, phase: "succeeded" });
  });

  it("drives the plain progress view like the engine's ops: one line per finished action and the run's end", () => {
    const out = new FakeOut();
    let now = 1_000;
    const view = createProgressView({ out, tty: false, runName: RUN, follow: false, color: false, now: () => now });
    const adapter = new WatchOpsAdapter(RUN);
    const feed = (event: Parameters<WatchOpsAdapter["ops"]>[0]): void => adapter.ops(event).forEach((op) => view.onOp(op));
    feed({ event: "snapshot", run: run(), actions: [action("a0")] });
    feed({ event: "action", actions: [action("c1", { phase: "succeeded", endedAt: 1_200 }), action("a0", { phase: "succeeded", endedAt: 1_300 })] });
    feed({ event: "end", run: run({ phase: "succeeded", endedAt: 1_300 }) });
    now = 2_000;
    view.finish();
    expect(out.plainLines).toEqual([
      "✓ hello.double [c1] 200ms",
      "✓ hello.main [a0] 300ms",
      `✓ run ${RUN} succeeded in 300ms (2 actions: 2 succeeded)`,
    ]);
  });
});
