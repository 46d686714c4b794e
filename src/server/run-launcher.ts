// Starts runs on the server's engine and answers only once the run is stored, so the `201 { run }` a client gets
// is exactly what `GET /v1/runs/:name` returns next. The record it answers with is built from the run's own writes
// as the engine queues them (the stores apply them the same way), so a waiting client costs no read of the store.
// Keeps the executions it started so that their outcome is always observed (and logged when the engine itself
// failed), never left as an unhandled rejection.
import { newRunName, type LocalEngine, type RunExecution, type RunOptions, type TaskTemplate } from "../engine/index.js";
import { TERMINAL_PHASES, withTransition, type RunRecord, type WriteOp } from "../store/index.js";
import { ApiError } from "./api-error.js";

/** How often a run that another process executes is checked while a request waits for it. */
const POLL_MS = 100;

/** A run a request is starting: its record as its writes describe it, once it has been inserted. */
interface Followed {
  record: RunRecord | undefined;
  inserted(): void;
}

export class RunLauncher {
  private readonly executions = new Map<string, RunExecution>();
  private readonly followed = new Map<string, Followed>();
  private following = false;

  constructor(
    private readonly engine: LocalEngine,
    private readonly log: (message: string) => void,
  ) {}

  /** Names of the runs this server is executing right now. */
  get active(): readonly string[] {
    return [...this.executions.keys()];
  }

  /** Starts a run; with `waitMs`, answers once it has ended (or the wait is over) instead of once it is stored. */
  async start(
    task: TaskTemplate,
    args: readonly unknown[],
    options: Omit<RunOptions, "name"> & { name?: string | undefined },
    waitMs = 0,
  ): Promise<RunRecord> {
    // A generated name (56 random bits) needs no look-up; a chosen one must not clash with an existing run.
    const name = options.name ?? newRunName();
    if (options.name !== undefined && (await this.engine.store.getRun(name))) {
      throw new ApiError(409, "RUN_EXISTS", `a run named "${name}" already exists; choose another name or omit "name" for a generated one`, "name");
    }
    if (this.followed.has(name)) throw new ApiError(409, "RUN_EXISTS", `a run named "${name}" is being started by another request; choose another name`, "name");
    // The engine queues the run's first write after storing its inputs; watch for it rather than poll the store.
    let inserted!: () => void;
    const stored = new Promise<"inserted">((resolve) => (inserted = () => resolve("inserted")));
    const followed: Followed = { record: undefined, inserted };
    this.followed.set(name, followed);
    if (!this.following) {
      this.following = true;
      this.engine.observe((op) => this.follow(op));
    }
    try {
      const outcome = this.track(this.engine.start(task, args, { ...options, name }));
      const first = await Promise.race([stored, outcome]);
      if (first !== "inserted" && first.failed) throw first.error;
      if (waitMs > 0) await this.settled(name, waitMs);
    } finally {
      this.followed.delete(name);
    }
    const record = followed.record;
    if (!record) throw new Error(`run "${name}" was started but its record was never written`);
    await this.engine.resources.batcher.committed();
    // An abort may have been asked for through the store (by another process), which this engine's writes do not show.
    if (record.phase === "aborted") return (await this.engine.store.getRun(name)) ?? record;
    return record;
  }

  /** Keeps the record of each run being started up to date with its writes. */
  private follow(op: WriteOp): void {
    if (this.followed.size === 0) return;
    switch (op.op) {
      case "run.insert": {
        const followed = this.followed.get(op.run.name);
        if (!followed) return;
        followed.record = op.run;
        followed.inserted();
        return;
      }
      case "run.transition": {
        const followed = this.followed.get(op.transition.name);
        if (followed?.record) followed.record = withTransition(followed.record, op.transition);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Resolves when the run has ended or after `timeoutMs`, whichever is first. A run this server executes is
   * awaited directly; any other (another replica's) is polled in the store.
   */
  async settled(name: string, timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const execution = this.executions.get(name);
    const ended = execution ? execution.done.then(() => undefined, () => undefined) : this.pollUntilEnded(name, Date.now() + timeoutMs);
    try {
      await Promise.race([ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async pollUntilEnded(name: string, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const run = await this.engine.store.getRun(name);
      if (!run || TERMINAL_PHASES.has(run.phase)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Continues every run a previous server process left unfinished (it was killed): each root task runs again
   * and re-attaches to the actions that already succeeded. Returns the names of the runs resumed.
   */
  async resumeUnfinished(resolver: (run: RunRecord) => Promise<(id: string) => TaskTemplate | undefined>): Promise<string[]> {
    const resumed: string[] = [];
    for (const phase of ["running", "queued", "waiting_for_resources", "initializing"] as const) {
      for (const run of await this.engine.store.listRuns({ phase, limit: 100_000 })) {
        if (this.executions.has(run.name)) continue;
        try {
          const execution = await this.engine.resume(run.name, await resolver(run));
          void this.track(execution);
          resumed.push(run.name);
        } catch (error) {
          this.log(`run ${run.name} was left unfinished by the previous server and cannot be resumed: ${describe(error)}`);
        }
      }
    }
    return resumed;
  }

  /** Keeps an execution until it ends; its outcome is always observed, and logged when the engine failed. */
  private track(execution: RunExecution): Promise<{ failed: boolean; error: unknown }> {
    const { name } = execution;
    this.executions.set(name, execution);
    const outcome = execution.done.then(
      () => ({ failed: false as const, error: undefined }),
      (error: unknown) => ({ failed: true as const, error }),
    );
    void outcome.then(({ failed, error }) => {
      this.executions.delete(name);
      if (failed) this.log(`run ${name} stopped because the engine failed: ${describe(error)}`);
    });
    return outcome;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
