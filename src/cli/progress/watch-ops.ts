// Feeds the progress view from a server's watch stream. The stream sends whole records (the current state of
// each changed action and of the run); the view folds engine WriteOps. The first sighting of a record becomes an
// insert, later ones transitions, so the view reports finished actions and retries as it does for local runs.
import type { RunWatchEvent } from "../../client/index.js";
import type { ActionRecord, ActionTransition, RunRecord, WriteOp } from "../../store/index.js";

export class WatchOpsAdapter {
  readonly #attempts = new Map<string, number>();
  #runSeen = false;

  constructor(readonly runName: string) {}

  /** The ops equivalent to one event (a snapshot repeats the whole state; known records become transitions). */
  ops(event: RunWatchEvent): WriteOp[] {
    const ops: WriteOp[] = [];
    if (event.run && event.run.name === this.runName) ops.push(this.#run(event.run));
    for (const action of event.actions ?? []) {
      if (action.runName === this.runName) this.#action(action, ops);
    }
    return ops;
  }

  #run(run: RunRecord): WriteOp {
    if (!this.#runSeen) {
      this.#runSeen = true;
      return { op: "run.insert", run };
    }
    return { op: "run.transition", transition: { name: run.name, phase: run.phase, endedAt: run.endedAt, outputs: run.outputs, error: run.error } };
  }

  #action(action: ActionRecord, ops: WriteOp[]): void {
    const previous = this.#attempts.get(action.name);
    this.#attempts.set(action.name, action.attempt);
    if (previous === undefined) {
      ops.push({ op: "action.insert", action });
      return;
    }
    // Updates are coalesced on the server, so a retry can arrive already running: replay its start at `queued`
    // (as the engine writes it), which is how the view recognises a retry.
    if (action.attempt > previous && action.phase !== "queued") {
      ops.push({ op: "action.transition", transition: { runName: action.runName, name: action.name, phase: "queued", attempt: action.attempt, error: action.error } });
    }
    const transition: ActionTransition = {
      runName: action.runName,
      name: action.name,
      phase: action.phase,
      attempt: action.attempt,
      endedAt: action.endedAt,
      outputs: action.outputs,
      error: action.error,
      cacheStatus: action.cacheStatus,
      ...(action.startedAt === null ? {} : { startedAt: action.startedAt }),
    };
    ops.push({ op: "action.transition", transition });
  }
}
