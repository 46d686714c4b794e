// The executor's record of one attempt on its way to, or running on, a worker; and of a worker's call for a child
// action, which the child's worker may answer itself when it is the caller's worker too (see RunMessage.answers).
import type { AttemptRequest } from "../engine/index.js";
import type { AdmissionLease } from "./admission.js";
import type { ModuleRef } from "./pool-registry.js";
import type { PoolWorker, WorkerPool } from "./worker-pool.js";

/** One attempt placed (or about to be placed) on a worker. */
export interface LiveAttempt {
  readonly id: number;
  readonly request: AttemptRequest;
  readonly module: ModuleRef;
  /** Chosen before the attempt is admitted (after its secrets are resolved, when it has any). */
  pool: WorkerPool | undefined;
  worker: PoolWorker | undefined;
  lease: AdmissionLease | undefined;
  secretsResolved: boolean;
  /** Child calls in flight; while any is, the attempt does not hold its worker's slot. */
  calls: number;
  stopped: boolean;
  graceTimer: NodeJS.Timeout | undefined;
  /** The call (of a parent in the same worker) that the worker answers itself when this attempt succeeds. */
  answers: ChildCall | undefined;
  /** Its calls that the worker answered and the engine is still recording. */
  unrecorded: number;
  /** Its result, held back until `unrecorded` is 0 so that no parent is stored as ended before its children. */
  held: (() => void) | undefined;
  /** Set while a stop waits to learn whether the worker answered `answers` before it read the stop. */
  stopSettled: ((answered: boolean) => void) | undefined;
  resolve(outputs: string): void;
  reject(error: Error): void;
}

/** A worker's call for a child action, while the engine performs it. */
export interface ChildCall {
  readonly parent: LiveAttempt;
  readonly call: number;
  /** The child's worker handed the output to the caller itself: the engine sends no reply. */
  answered: boolean;
}

/** The key of a child action's call among those in flight: its run and its name. */
export function childKey(runName: string, actionName: string): string {
  return `${runName}\u0000${actionName}`;
}

/** What the executor's call handling returns for a call the worker already answered. */
export const ANSWERED = Symbol("answered by the worker");

/** A new attempt, not yet admitted, and the promise of its result. */
export function liveAttempt(id: number, request: AttemptRequest, module: ModuleRef, pool: WorkerPool | undefined): { attempt: LiveAttempt; result: Promise<string> } {
  let resolve!: (outputs: string) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const attempt: LiveAttempt = {
    id,
    request,
    module,
    pool,
    worker: undefined,
    lease: undefined,
    calls: 0,
    stopped: false,
    secretsResolved: false,
    graceTimer: undefined,
    answers: undefined,
    unrecorded: 0,
    held: undefined,
    stopSettled: undefined,
    resolve,
    reject,
  };
  return { attempt, result };
}
