// The backend of a Run handle for a run executing in this process's engine: it waits on the run's own
// completion promise (no polling) and reads actions, logs and records from the engine's store.
import { ActionAbortedError, RunNotFoundError } from "../errors/index.js";
import { storedRunError, type LocalEngine, type RunExecution, type RunOutcome } from "../engine/index.js";
import { decodeValue } from "../io/index.js";
import type { ActionPhase, ActionRecord, AttemptRecord, LogRecord, RunRecord } from "../store/index.js";
import type { RunBackend } from "./run.js";
import { changedActions } from "./run-records.js";

/** Resolves or rejects with `promise`, or rejects with the signal's reason when it aborts first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

/** A run executing in this process's engine. */
export class LocalRunBackend implements RunBackend {
  readonly url: string;
  #phase: ActionPhase = "running";

  constructor(
    private readonly execution: RunExecution,
    private readonly engine: LocalEngine,
    dir: string,
  ) {
    this.url = `file://${dir}#run=${execution.name}`;
    execution.done.then(
      (outcome) => {
        this.#phase = outcome.phase;
      },
      () => {
        this.#phase = "failed";
      },
    );
  }

  get phase(): ActionPhase {
    return this.#phase;
  }

  async wait(signal: AbortSignal | undefined): Promise<ActionPhase> {
    return (await untilAborted(this.execution.done, signal)).phase;
  }

  async outputs(): Promise<unknown> {
    const outcome: RunOutcome = await this.execution.done;
    if (outcome.phase === "succeeded" && outcome.outputs !== null) return decodeValue(outcome.outputs);
    if (outcome.error) throw outcome.error;
    const record = await this.engine.store.getRun(this.execution.name);
    throw (record && storedRunError(record)) ?? new ActionAbortedError(`run ${this.execution.name} ended in phase ${outcome.phase}`);
  }

  async abort(reason: string): Promise<void> {
    this.execution.abort(reason);
    await this.execution.done.catch(() => undefined);
  }

  async logs(actionName: string | undefined): Promise<LogRecord[]> {
    await this.engine.resources.batcher.flush();
    return this.engine.store.getLogs(this.execution.name, actionName);
  }

  async actions(): Promise<ActionRecord[]> {
    return this.engine.store.listActions(this.execution.name);
  }

  async record(): Promise<RunRecord> {
    await this.engine.resources.batcher.flush();
    const record = await this.engine.store.getRun(this.execution.name);
    if (!record) throw new RunNotFoundError(`run "${this.execution.name}" is not recorded in ${this.url}`);
    return record;
  }

  async action(name: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] } | undefined> {
    await this.engine.resources.batcher.flush();
    const action = await this.engine.store.getAction(this.execution.name, name);
    return action && { action, attempts: await this.engine.store.listAttempts(this.execution.name, name) };
  }

  async *watch(intervalMs: number | undefined): AsyncGenerator<ActionRecord> {
    const seen = new Map<string, string>();
    let finished = false;
    void this.execution.done.finally(() => {
      finished = true;
    });
    for (;;) {
      const last = finished;
      yield* changedActions(seen, await this.actions());
      if (last) return;
      await new Promise((resolve) => setTimeout(resolve, intervalMs ?? 200));
    }
  }
}
