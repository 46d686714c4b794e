// A run in the local store read by name: it may be executing in this process, in another process sharing the
// folder, or have finished long ago. Everything comes from the store; waiting polls it (every timer cleared),
// and abort is a request in the store that the engine running the run polls.
import type { LocalEngine } from "../../engine/index.js";
import { RunNotFoundError } from "../../errors/index.js";
import { TERMINAL_PHASES, type ActionPhase, type ActionRecord, type AttemptRecord, type LogRecord, type RunRecord } from "../../store/index.js";
import type { RunBackend } from "../run.js";
import { changedActions, finishedRunOutputs } from "../run-records.js";

const POLL_MS = 200;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (the timer is cleared). */
function pollDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class StoredRunBackend implements RunBackend {
  readonly url: string;
  #record: RunRecord;

  constructor(
    private readonly engine: LocalEngine,
    record: RunRecord,
    dir: string,
  ) {
    this.#record = record;
    this.url = `file://${dir}#run=${record.name}`;
  }

  get phase(): ActionPhase {
    return this.#record.phase;
  }

  async record(): Promise<RunRecord> {
    // Writes of a run executing in this process may still sit in the engine's batch.
    await this.engine.resources.batcher.flush();
    const record = await this.engine.store.getRun(this.#record.name);
    if (!record) throw new RunNotFoundError(`run "${this.#record.name}" is no longer in the local store at ${this.url}`);
    this.#record = record;
    return record;
  }

  async wait(signal: AbortSignal | undefined): Promise<ActionPhase> {
    for (;;) {
      const { phase } = await this.record();
      if (TERMINAL_PHASES.has(phase)) return phase;
      await pollDelay(POLL_MS, signal);
    }
  }

  async outputs(): Promise<unknown> {
    await this.wait(undefined);
    const record = this.#record;
    return finishedRunOutputs(record);
  }

  /**
   * Aborts the run at once when this process executes it; otherwise records the request, which the process
   * executing it acts on within a second (`wait()` to see it end). A run that already ended is left alone.
   */
  async abort(reason: string): Promise<void> {
    if (TERMINAL_PHASES.has((await this.record()).phase)) return;
    await this.engine.requestAbort(this.#record.name, reason);
    await this.engine.resources.batcher.flush();
  }

  async logs(actionName: string | undefined): Promise<LogRecord[]> {
    await this.engine.resources.batcher.flush();
    return this.engine.store.getLogs(this.#record.name, actionName);
  }

  async actions(): Promise<ActionRecord[]> {
    await this.engine.resources.batcher.flush();
    return this.engine.store.listActions(this.#record.name);
  }

  async action(name: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] } | undefined> {
    await this.engine.resources.batcher.flush();
    const action = await this.engine.store.getAction(this.#record.name, name);
    return action && { action, attempts: await this.engine.store.listAttempts(this.#record.name, name) };
  }

  async *watch(intervalMs: number | undefined): AsyncGenerator<ActionRecord> {
    const seen = new Map<string, string>();
    for (;;) {
      // Read the run first: actions listed after it ended are its final ones.
      const ended = TERMINAL_PHASES.has((await this.record()).phase);
      yield* changedActions(seen, await this.actions());
      if (ended) return;
      await pollDelay(intervalMs ?? POLL_MS, undefined);
    }
  }
}
