// Starts runs on the server's engine and answers only once the run is stored, so the `201 { run }` a client gets
// is exactly what `GET /v1/runs/:name` returns next. Keeps the executions it started so that their outcome is
// always observed (and logged when the engine itself failed), never left as an unhandled rejection.
import { newRunName, type LocalEngine, type RunExecution, type RunOptions, type TaskTemplate } from "../engine/index.js";
import type { RunRecord } from "../store/index.js";
import { ApiError } from "./api-error.js";

export class RunLauncher {
  private readonly executions = new Map<string, RunExecution>();

  constructor(
    private readonly engine: LocalEngine,
    private readonly log: (message: string) => void,
  ) {}

  /** Names of the runs this server is executing right now. */
  get active(): readonly string[] {
    return [...this.executions.keys()];
  }

  async start(task: TaskTemplate, args: readonly unknown[], options: Omit<RunOptions, "name"> & { name?: string | undefined }): Promise<RunRecord> {
    const name = options.name ?? newRunName();
    if (await this.engine.store.getRun(name)) {
      throw new ApiError(409, "RUN_EXISTS", `a run named "${name}" already exists; choose another name or omit "name" for a generated one`, "name");
    }
    // The engine queues the run's first write after storing its inputs; watch for it rather than poll the store.
    let seen!: () => void;
    const inserted = new Promise<void>((resolve) => (seen = resolve));
    const stop = this.engine.observe((op) => {
      if (op.op === "run.insert" && op.run.name === name) seen();
    });
    let execution: RunExecution;
    try {
      execution = this.engine.start(task, args, { ...options, name });
    } catch (error) {
      stop();
      throw error;
    }
    this.executions.set(name, execution);
    const outcome = execution.done.then(
      () => ({ failed: false as const, error: undefined }),
      (error: unknown) => ({ failed: true as const, error }),
    );
    void outcome.then(({ failed, error }) => {
      this.executions.delete(name);
      if (failed) this.log(`run ${name} stopped because the engine failed: ${describe(error)}`);
    });
    try {
      const first = await Promise.race([inserted.then(() => "inserted" as const), outcome]);
      if (first !== "inserted" && first.failed) throw first.error;
    } finally {
      stop();
    }
    // Ops commit in order: an empty write resolves once the run's insert has committed.
    await this.engine.resources.batcher.write();
    const record = await this.engine.store.getRun(name);
    if (!record) throw new Error(`run "${name}" was started but its record is missing from the store`);
    return record;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
