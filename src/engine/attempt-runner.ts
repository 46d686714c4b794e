// Runs one action to a terminal phase: attempt after attempt, each raced against its timeout and against
// aborts, every outcome recorded before the caller sees it. User errors are retried only within the task's
// retry budget; system errors have a budget of their own; non-retryable errors and aborts end at once.
import {
  ActionAbortedError,
  RuntimeSystemError,
  TimeoutError,
  ensureError,
  errorKind,
  isRetryable,
  toErrorRecord,
} from "../errors/index.js";
import { decodeValue, encodeValue } from "../io/index.js";
import type { ActionPhase, ActionRecord, ActionTransition, WriteOp } from "../store/index.js";
import type { ActionNode } from "./action-node.js";
import { runInFrame } from "./context.js";
import { attemptDataPrefix } from "./data-context-provider.js";
import { storedValue, type EngineResources } from "./resources.js";
import type { RunState } from "./run-state.js";
import type { ActionFrame, AttemptHandle, AttemptRequest, Executor, TaskTemplate } from "./types.js";

/** Platform retries for system errors (lost process, store hiccup); they do not use the task's budget. */
const SYSTEM_RETRY_LIMIT = 3;

export interface ActionExecution {
  readonly resources: EngineResources;
  readonly run: RunState;
  readonly node: ActionNode;
  readonly task: TaskTemplate;
  /** The encoded arguments; `args` is their decoded form when the caller already has it. */
  readonly inputs: string;
  readonly args?: readonly unknown[] | undefined;
  readonly cacheKey: string | null;
  /** 1 for a new action; higher when a resumed run re-executes an action whose attempt was lost. */
  readonly firstAttempt: number;
  /** Writes committed together with the success (the run's own end, for a root action: one commit less). */
  readonly alsoOnSuccess?: ((storedOutputs: string, endedAt: number) => WriteOp[]) | undefined;
}

export interface ActionOutput {
  /** The output's encoding. */
  readonly encoded: string;
  /** What the RunStore holds: the encoding, or a pointer to it in the blob store when it is large. */
  readonly stored: string;
}

/** Runs the attempts and resolves with the output; rejects with the final attempt's error. */
export async function runAttempts(execution: ActionExecution): Promise<ActionOutput> {
  const { resources, run, node, task, cacheKey } = execution;
  const { batcher } = resources;
  const executor = resources.executor?.runs(task) ? resources.executor : undefined;
  let args = execution.args;
  // A child's outcome is progress its caller need not wait for; a run's end or a cache entry (which a later call
  // of the same task must find) is not.
  const progressOnly = !execution.alsoOnSuccess && cacheKey === null;
  let userFailures = 0;
  let systemFailures = 0;
  for (let attempt = execution.firstAttempt; ; attempt++) {
    node.beginAttempt(attempt);
    const startedAt = Date.now();
    if (attempt !== execution.firstAttempt) {
      await batcher.write(transition(run, node, { phase: "running", attempt, startedAt, endedAt: null }));
    }
    if (attempt > 1) {
      // A retried action re-issues its calls; children that already succeeded are re-attached, not re-run.
      run.rememberPrior(await resources.store.listChildren(run.name, node.name));
    }
    try {
      let encoded: string;
      if (executor) {
        const answerEarly = progressOnly && batcher.writesBehind;
        encoded = await runInWorker(executor, { run, node, task, inputs: execution.inputs, answerEarly });
      } else {
        // Each attempt decodes its own copy: an attempt that mutated its arguments must not leak into a retry.
        args = attempt === execution.firstAttempt && args ? args : (decodeValue(execution.inputs) as unknown[]);
        // Before any of the task's code: a missing secret fails the attempt without running it.
        resources.localSecrets?.prepare(run.name, task);
        const value = await runTaskCode(run, node, task, args);
        await runFinalizers(node);
        encoded = encodeValue(value, { what: `output of task ${task.id} (action ${node.name})` });
      }
      const outputs = await storedValue(resources, encoded, `${attemptDataPrefix(run.rawDataPath, node.name, attempt)}/outputs.json`);
      const endedAt = Date.now();
      const ops: WriteOp[] = [
        transition(run, node, { phase: "succeeded", attempt, endedAt, outputs, error: null }),
        attemptRecord(run, node, "succeeded", startedAt, endedAt, null),
      ];
      if (execution.alsoOnSuccess) ops.push(...execution.alsoOnSuccess(outputs, endedAt));
      if (cacheKey !== null) {
        ops.push({
          op: "cache.put",
          entry: { key: cacheKey, taskName: task.id, outputs, createdAt: endedAt, runName: run.name, actionName: node.name },
        });
      }
      await (progressOnly ? batcher.writeProgress(...ops) : batcher.write(...ops));
      return { encoded, stored: outputs };
    } catch (thrown) {
      await runFinalizers(node).catch(() => undefined);
      const error = ensureError(thrown);
      const phase = phaseOf(error, node);
      const record = toErrorRecord(error, attempt);
      const endedAt = Date.now();
      const failed = attemptRecord(run, node, phase, startedAt, endedAt, record);
      const kind = errorKind(error);
      const retry =
        phase !== "aborted" &&
        isRetryable(error) &&
        (kind === "user" ? userFailures++ < task.retries.count : systemFailures++ < SYSTEM_RETRY_LIMIT);
      if (retry) {
        await batcher.write(failed, transition(run, node, { phase: "queued", attempt: attempt + 1, error: record }));
        const delay = kind === "user" ? task.retries.delayMs(userFailures) : 0;
        if (delay > 0) await sleep(delay, node);
        const aborted = node.abortReason;
        if (!aborted) continue;
        await batcher.write(transition(run, node, { phase: "aborted", attempt: attempt + 1, endedAt: Date.now(), error: toErrorRecord(aborted, attempt + 1) }));
        throw aborted;
      }
      await batcher.write(failed, transition(run, node, { phase, attempt, endedAt, error: record }));
      throw error;
    }
  }
}

/** The attempt an earlier execution started but never finished (its process died): recorded as a system error. */
export function lostAttempt(prior: ActionRecord): WriteOp {
  const error = new RuntimeSystemError(
    `the process running attempt ${prior.attempt} of action ${prior.name} stopped before the attempt finished`,
  );
  return {
    op: "attempt.insert",
    attempt: {
      runName: prior.runName,
      actionName: prior.name,
      attempt: prior.attempt,
      phase: "failed",
      startedAt: prior.startedAt ?? prior.createdAt,
      endedAt: Date.now(),
      error: toErrorRecord(error, prior.attempt),
    },
  };
}

/** The error given to descendants of a stopped action. */
export function descendantAborted(node: ActionNode): Error {
  return new ActionAbortedError(`action ${node.name} was aborted because an ancestor action stopped`);
}

/** One attempt in a worker process; a stop (abort, timeout) settles it here at once and tells the worker. */
function runInWorker(executor: Executor, request: AttemptRequest): Promise<string> {
  let handle: AttemptHandle | undefined;
  return untilStopped(
    request.node,
    request.task,
    () => (handle = executor.execute(request)).result,
    (error) => handle?.stop(error),
  );
}

/** Runs the task's code for the node's current attempt in this process, raced against stops and its timeout. */
function runTaskCode(run: RunState, node: ActionNode, task: TaskTemplate, args: readonly unknown[]): Promise<unknown> {
  const frame: ActionFrame = { run, node, task, args, group: null };
  return untilStopped(node, task, () => runInFrame(frame, () => task.fn(...args)));
}

/**
 * Starts the attempt's work and settles with it, unless the node is stopped first (abort, or the task's timeout,
 * which this arms): then it rejects with the stop's error after telling `onStop` — at once, or, when `onStop`
 * returns a promise, once that says the work did not hand its result over before the stop reached it (when it
 * did, that result stands).
 */
function untilStopped<T>(
  node: ActionNode,
  task: TaskTemplate,
  start: () => T | PromiseLike<T>,
  onStop?: (error: Error) => Promise<boolean> | void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stopped = node.stopReason;
    if (stopped) {
      reject(stopped);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let result: T | PromiseLike<T> | undefined;
    let stoppedFirst = false;
    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      node.onStop(undefined);
    };
    node.onStop((error) => {
      stoppedFirst = true;
      settle();
      const handedOver = onStop?.(error);
      if (!handedOver || !isPromiseLike(result)) {
        reject(error);
        return;
      }
      const work = result;
      void handedOver.then((answered) => (answered ? work.then(resolve, reject) : reject(error)));
    });
    const maxRuntime = task.timeout.maxRuntimeMs;
    if (maxRuntime !== null) {
      timer = setTimeout(() => node.endAttempt(timeoutError(task, node, maxRuntime), descendantAborted), maxRuntime);
    }
    try {
      result = start();
    } catch (error) {
      settle();
      reject(error as Error);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => {
          if (stoppedFirst) return;
          settle();
          resolve(value);
        },
        (error: unknown) => {
          if (stoppedFirst) return;
          settle();
          reject(error as Error);
        },
      );
    } else {
      settle();
      resolve(result);
    }
  });
}

function timeoutError(task: TaskTemplate, node: ActionNode, maxRuntime: number): TimeoutError {
  return new TimeoutError(
    `task ${task.id} (action ${node.name}, attempt ${node.attempt}) ran longer than its timeout of ${maxRuntime} ms; ` +
      `raise the task's "timeout" option or make the task finish sooner (its ctx().signal is aborted on timeout)`,
  );
}

function phaseOf(error: Error, node: ActionNode): ActionPhase {
  if (node.abortReason) return "aborted";
  if (error instanceof TimeoutError && node.stopReason === error) return "timed_out";
  if (error instanceof ActionAbortedError) return "aborted";
  return "failed";
}

export async function runFinalizers(node: ActionNode): Promise<void> {
  for (const finalize of node.takeFinalizers()) await finalize();
}

function sleep(ms: number, node: ActionNode): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      node.onStop(undefined);
      resolve();
    }
    node.onStop(done);
  });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === "function";
}

function transition(
  run: RunState,
  node: ActionNode,
  fields: Omit<ActionTransition, "runName" | "name">,
): WriteOp {
  return { op: "action.transition", transition: { runName: run.name, name: node.name, ...fields } };
}

function attemptRecord(
  run: RunState,
  node: ActionNode,
  phase: ActionPhase,
  startedAt: number,
  endedAt: number,
  error: ReturnType<typeof toErrorRecord> | null,
): WriteOp {
  return {
    op: "attempt.insert",
    attempt: { runName: run.name, actionName: node.name, attempt: node.attempt, phase, startedAt, endedAt, error },
  };
}
