// remote.Action: one action of a run, read through its Run handle (local store or server alike). details()
// decodes what the store keeps as text: inputs and outputs with the value codec, errors revived as their classes.
import { loadStoredValue } from "../../engine/index.js";
import { ActionNotFoundError, fromErrorRecord } from "../../errors/index.js";
import { decodeValue } from "../../io/index.js";
import type { ActionPhase, ActionRecord, AttemptRecord, LogRecord } from "../../store/index.js";
import { invalidOption } from "../option-checks.js";
import { Run, runBackend } from "../run.js";
import type { RunLookupOptions } from "./runs.js";

/** One finished attempt of an action. Times are ms since the Unix epoch. */
export interface AttemptDetails {
  readonly attempt: number;
  readonly phase: ActionPhase;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Why the attempt failed, revived as its error class; null when it succeeded. */
  readonly error: Error | null;
}

/** What `action.details()` returns. */
export interface ActionDetails {
  /** The action as recorded (inputs and outputs in their stored, encoded form). */
  readonly action: ActionRecord;
  /** Finished attempts, in order (a retried action has several). */
  readonly attempts: AttemptDetails[];
  /** The task's arguments in order, decoded (Dates, Maps, File references… as the task received them). */
  readonly inputs: unknown[];
  /** The task's return value, decoded; null until the action succeeded. */
  readonly outputs: unknown;
  /** Why the action failed, revived as its error class (code, message, the task's stack); null otherwise. */
  readonly error: Error | null;
  /** The console output the action captured, over all its attempts. */
  readonly logs: LogRecord[];
}

/**
 * The pending result of Action.get: await it for the Action, or call details()/logs() on it directly
 * (`remote.Action.get(run, "a0").details()`), which looks the action up and reads it in one go.
 */
export type ActionLookup = Promise<Action> & Pick<Action, "details" | "logs">;

/**
 * One action of a run: a task call (or trace) with its attempts, inputs, outputs, error and logs.
 * @example
 * const { attempts, outputs, error } = await remote.Action.get(run, "a0").details();
 */
export class Action {
  readonly run: Run;
  readonly name: string;
  #record: ActionRecord;

  private constructor(run: Run, record: ActionRecord) {
    this.run = run;
    this.name = record.name;
    this.#record = record;
  }

  /**
   * An action of `run` (a Run handle, or a run name looked up with `options`); the root action is "a0".
   * Rejects with RunNotFoundError or ActionNotFoundError when either does not exist.
   * @example const root = await remote.Action.get("r3x9k2", "a0");  // or: await remote.Action.get(run, "a0").details()
   */
  static get(run: Run | string, actionName: string, options: RunLookupOptions = {}): ActionLookup {
    const lookup = (async (): Promise<Action> => {
      if (typeof actionName !== "string" || actionName === "") throw invalidOption("Action.get: the action name", actionName, 'an action name like "a0"');
      const handle = typeof run === "string" ? await Run.get(run, options) : run;
      const found = await runBackend(handle).action(actionName);
      if (!found) throw missing(handle.name, actionName);
      return new Action(handle, found.action);
    })();
    return Object.assign(lookup, {
      details: () => lookup.then((action) => action.details()),
      logs: (attempt?: number) => lookup.then((action) => action.logs(attempt)),
    });
  }

  /**
   * Every action of `run`, in creation order.
   * @example for (const action of await remote.Action.list(run)) console.log(action.name, action.phase);
   */
  static async list(run: Run | string, options: RunLookupOptions = {}): Promise<Action[]> {
    const handle = typeof run === "string" ? await Run.get(run, options) : run;
    return (await handle.actions()).map((record) => new Action(handle, record));
  }

  /** The action as last read (by get/list or details()). */
  get record(): ActionRecord {
    return this.#record;
  }

  get phase(): ActionPhase {
    return this.#record.phase;
  }

  /** The task's id (`env.task`), or the traced function's name. */
  get taskName(): string {
    return this.#record.taskName;
  }

  /** Reads the action again: attempts, decoded inputs and outputs, revived error, and its logs. */
  async details(): Promise<ActionDetails> {
    const backend = runBackend(this.run);
    const [found, logs] = await Promise.all([backend.action(this.name), backend.logs(this.name)]);
    if (!found) throw missing(this.run.name, this.name);
    const { action, attempts } = found;
    this.#record = action;
    return {
      action,
      attempts: attempts.map(attemptDetails),
      inputs: decodeValue(await loadStoredValue(action.inputs)) as unknown[],
      outputs: action.outputs === null ? null : decodeValue(await loadStoredValue(action.outputs)),
      error: action.error ? fromErrorRecord(action.error) : null,
      logs,
    };
  }

  /** The console output the action captured, optionally of one attempt only. */
  async logs(attempt?: number): Promise<LogRecord[]> {
    const lines = await runBackend(this.run).logs(this.name);
    return attempt === undefined ? lines : lines.filter((line) => line.attempt === attempt);
  }
}

function attemptDetails(record: AttemptRecord): AttemptDetails {
  return {
    attempt: record.attempt,
    phase: record.phase,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    error: record.error ? fromErrorRecord(record.error) : null,
  };
}

function missing(runName: string, actionName: string): ActionNotFoundError {
  return new ActionNotFoundError(
    `run "${runName}" has no action "${actionName}"; list its actions with remote.Action.list(run) or "flyte get run ${runName}" (the root action is "a0")`,
  );
}
