// The messages between the engine and its worker processes. The engine owns all state (actions, attempts,
// cache, retries); a worker only runs attempts and asks the engine to perform what task code does: child
// calls, traces, reports and logs. Messages travel in batches (one array per event-loop turn), so a fan-out
// of thousands of child calls costs a handful of transfers, not thousands.
import type { ErrorRecord } from "../errors/index.js";
import type { TaskReference, TraceOutcome } from "../engine/index.js";
import type { ActionRecord, WriteOp } from "../store/index.js";
import type { TaskSpec } from "./task-spec.js";

/** Settings a worker process starts with (passed in its environment as JSON). */
export interface WorkerSettings {
  /** The module that defines the tasks (a user's .ts file or an uploaded bundle). */
  readonly module: string;
  /** Where bare imports of the module resolve from when they are not next to it (the project's folder). */
  readonly resolveFrom: string;
  /**
   * A folder whose node_modules holds the module's npm packages at the exact versions it was built against
   * (installed for it because `resolveFrom` has others); the module's bare imports resolve there first.
   */
  readonly depsDir?: string | undefined;
  /** Root URI of the engine's blob store, so the worker reads and writes files and offloaded values itself. */
  readonly blobs: string;
  /** Actions this worker runs at the same time. */
  readonly concurrency: number;
}

/** One attempt to run, from the engine. `id` names the attempt in every later message about it. */
export interface RunMessage {
  readonly t: "run";
  readonly id: number;
  readonly run: { readonly name: string; readonly project: string; readonly domain: string; readonly rawDataPath: string };
  readonly action: string;
  readonly attempt: number;
  readonly taskId: string;
  readonly inputs: string;
  /** Children an earlier execution of this action recorded (a retried or resumed parent re-attaches to them). */
  readonly prior: readonly ActionRecord[];
  readonly envVars: Readonly<Record<string, string>>;
  /**
   * A call of an attempt in this same worker that this attempt's success may answer: the worker hands the output
   * to the caller at once (when it is at most `maxChars` long, so the engine stores it inline, and the attempt was
   * not stopped) instead of waiting for the engine's reply, and says so in its result.
   */
  readonly answers?: { readonly call: number; readonly maxChars: number } | undefined;
}

export type EngineMessage =
  | RunMessage
  /** Stop an attempt: its ctx().signal fires with this error. */
  | { readonly t: "abort"; readonly id: number; readonly error: ErrorRecord }
  /** The answer to a call: the encoded output (null for calls without one), or the error. */
  | { readonly t: "reply"; readonly call: number; readonly outputs: string | null; readonly error: ErrorRecord | null }
  | { readonly t: "shutdown" };

export type CallRequest =
  | {
      readonly kind: "task";
      readonly taskId: string;
      readonly name: string;
      readonly seq: number;
      readonly group: string | null;
      readonly inputs: string;
      /** A deployed task (remote.Task.get): the engine finds its code in the deploy registry, not this module. */
      readonly ref?: TaskReference | undefined;
    }
  | ({ readonly kind: "trace"; readonly group: string | null } & TraceOutcome)
  | { readonly kind: "report"; readonly html: string };

export type WorkerMessage =
  /** The module loaded; these are the tasks it defines. */
  | { readonly t: "ready"; readonly tasks: readonly TaskSpec[] }
  /** The module failed to load. */
  | { readonly t: "failed"; readonly error: ErrorRecord }
  /**
   * An attempt finished: its encoded output, or its error; `answered` when the worker handed the output to the
   * call named by the attempt's `answers` itself (the engine then sends that call no reply).
   */
  | { readonly t: "result"; readonly id: number; readonly outputs: string | null; readonly error: ErrorRecord | null; readonly answered?: true }
  /** Task code asks the engine to do something for attempt `id`; answered by a reply with the same `call`. */
  | { readonly t: "call"; readonly id: number; readonly call: number; readonly request: CallRequest }
  /** Console output captured from an attempt. */
  | { readonly t: "log"; readonly op: WriteOp }
  /**
   * The worker has read the abort of attempt `id`. An attempt that had not answered its caller by then never will
   * (one that had sent its result before this message), so the engine may settle its stop.
   */
  | { readonly t: "stopped"; readonly id: number };

/** The environment variable that carries a worker's settings. */
export const WORKER_SETTINGS_ENV = "FLYTE_WORKER_SETTINGS";

/**
 * Queues messages and sends each event-loop turn's worth as one array. Sending is synchronous for the caller;
 * ordering is preserved.
 */
export class MessageBatcher<M> {
  private queue: M[] = [];
  private scheduled = false;

  constructor(private readonly deliver: (batch: M[]) => void) {}

  send(message: M): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.deliver(batch);
  }
}
