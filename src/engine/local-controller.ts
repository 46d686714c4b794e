// Executes child actions and traces in this process. Each call gets a deterministic name; an action that a
// previous execution already finished (a resumed run, a retried parent) is re-attached, its recorded output
// returned instead of running again; a cached call is answered from the cache; anything else is run by the
// attempt runner, its start record committed no later than its outcome (and, under the "runs" durability policy,
// possibly after the parent has gone on: see WriteBatcher.progress).
import { ActionAbortedError, toErrorRecord, type ErrorRecord } from "../errors/index.js";
import { decodeValue, encodeValue, hashText } from "../io/index.js";
import { TERMINAL_PHASES, type ActionRecord, type CacheStatus, type WriteOp } from "../store/index.js";
import { ActionNode } from "./action-node.js";
import { lostAttempt, runAttempts } from "./attempt-runner.js";
import { cacheKeyFor } from "./cache.js";
import { attemptDataPrefix } from "./data-context-provider.js";
import { childActionName } from "./naming.js";
import { storedValue, type EngineResources } from "./resources.js";
import { loadStoredValue } from "./value-offload.js";
import type { ActionFrame, Controller, TaskTemplate } from "./types.js";

/** A child call as its parent's process named and encoded it (this process, or a worker). */
export interface NamedCall {
  readonly name: string;
  readonly seq: number;
  readonly inputs: string;
  /** What an earlier execution recorded under this name, if anything. */
  readonly prior: ActionRecord | undefined;
}

/** One child call, named and encoded. */
interface ChildCall extends NamedCall {
  readonly frame: ActionFrame;
  readonly task: TaskTemplate;
}

/** A trace's outcome, as the process that ran it reports it. */
export interface TraceOutcome {
  readonly name: string;
  readonly seq: number;
  readonly fnName: string;
  /** The encoded arguments and, on success, the encoded output. */
  readonly inputs: string;
  readonly outputs: string | null;
  readonly error: ErrorRecord | null;
  readonly attempt: number;
  readonly startedAt: number;
}

export class LocalController implements Controller {
  /**
   * Child executions in flight in this process, by run and action name. A parent re-issuing a call while the
   * child still runs (its worker died and the parent was retried) joins it instead of starting it twice.
   */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly resources: EngineResources) {}

  async submit(frame: ActionFrame, task: TaskTemplate, args: readonly unknown[]): Promise<unknown> {
    const call = identifyCall(frame, task.id, args, `inputs of task ${task.id}`);
    if (call.prior?.phase === "succeeded" && call.prior.outputs !== null) return decodeValue(await loadStoredValue(call.prior.outputs));
    return decodeValue(await this.submitNamed(frame, task, call, args));
  }

  /** Runs a call that is already named and encoded; resolves with the encoded output. */
  async submitNamed(frame: ActionFrame, task: TaskTemplate, named: NamedCall, args?: readonly unknown[]): Promise<string> {
    const { prior } = named;
    if (prior?.phase === "succeeded" && prior.outputs !== null) return loadStoredValue(prior.outputs);
    const key = `${frame.run.name}\u0000${named.name}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const call: ChildCall = { ...named, frame, task };
    const result = this.route(call, args);
    this.inflight.set(key, result);
    try {
      return await result;
    } finally {
      this.inflight.delete(key);
    }
  }

  trace(frame: ActionFrame, fnName: string, fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown> {
    return traced(frame, fnName, fn, args, (outcome) => this.recordTrace(frame, outcome));
  }

  /** Records a finished trace as a TRACE action of the frame's action. */
  async recordTrace(frame: ActionFrame, trace: TraceOutcome): Promise<void> {
    const dataPrefix = attemptDataPrefix(frame.run.rawDataPath, trace.name, trace.attempt);
    const storedInputs = await storedValue(this.resources, trace.inputs, `${dataPrefix}/inputs.json`);
    const outputs = trace.outputs === null ? null : await storedValue(this.resources, trace.outputs, `${dataPrefix}/outputs.json`);
    await this.resources.batcher.writeProgress({
      op: "action.insert",
      action: {
        runName: frame.run.name,
        name: trace.name,
        parentName: frame.node.name,
        type: "trace",
        taskName: trace.fnName,
        group: frame.group,
        seq: trace.seq,
        attempt: trace.attempt,
        inputs: storedInputs,
        cacheKey: null,
        cacheStatus: "disabled",
        createdAt: trace.startedAt,
        startedAt: trace.startedAt,
        endedAt: Date.now(),
        phase: trace.error ? "failed" : "succeeded",
        outputs,
        error: trace.error,
      },
    });
  }

  async saveReport(frame: ActionFrame, html: string): Promise<void> {
    const { run, node } = frame;
    await this.resources.batcher.write({
      op: "report.put",
      report: { runName: run.name, actionName: node.name, attempt: node.attempt, html, updatedAt: Date.now() },
    });
  }

  private route(call: ChildCall, args: readonly unknown[] | undefined): Promise<string> {
    const { task } = call;
    const cacheKey = cacheKeyFor(task, args, call.inputs);
    if (cacheKey === null) return this.execute(call, null, "disabled");
    if (task.cache.serialize) return this.resources.cache.serialize(cacheKey, () => this.cachedCall(call, cacheKey));
    return this.cachedCall(call, cacheKey);
  }

  private async cachedCall(call: ChildCall, cacheKey: string): Promise<string> {
    if (!call.frame.run.settings.overwriteCache) {
      const hit = await this.resources.cache.lookup(cacheKey);
      if (hit) {
        const action = await this.newAction(call, cacheKey, "hit");
        await this.resources.batcher.write({
          op: "action.insert",
          action: { ...action, phase: "succeeded", outputs: hit.outputs, endedAt: action.startedAt },
        });
        return loadStoredValue(hit.outputs);
      }
    }
    return this.execute(call, cacheKey, "miss");
  }

  private async execute(call: ChildCall, cacheKey: string | null, cacheStatus: CacheStatus): Promise<string> {
    const { frame, prior } = call;
    const { run, node: parent } = frame;
    throwIfStopped(parent);
    const action = await this.newAction(call, cacheKey, cacheStatus);
    const ops: WriteOp[] = [{ op: "action.insert", action }];
    if (prior && !TERMINAL_PHASES.has(prior.phase)) ops.unshift(lostAttempt(prior));
    // The child starts before its start record commits: batches commit in order, so the record is stored before
    // anything about the child (its outcome, its own children, its logs), and usually in the same commit.
    const recorded = this.resources.batcher.writeSoon(...ops);

    const node = new ActionNode(call.name, parent);
    parent.attach(node);
    try {
      // The child decodes its own copy of the arguments, exactly as a worker in another process would.
      const output = await runAttempts({
        resources: this.resources,
        run,
        node,
        task: call.task,
        inputs: call.inputs,
        cacheKey,
        firstAttempt: action.attempt,
      });
      await this.resources.batcher.progress(recorded);
      return output.encoded;
    } finally {
      parent.detach(node);
    }
  }

  private async newAction(call: ChildCall, cacheKey: string | null, cacheStatus: CacheStatus): Promise<ActionRecord> {
    const { frame, prior } = call;
    const attempt = prior ? prior.attempt + 1 : 1;
    const inputs = await storedValue(this.resources, call.inputs, `${attemptDataPrefix(frame.run.rawDataPath, call.name, attempt)}/inputs.json`);
    return actionRecord(call, cacheKey, cacheStatus, attempt, inputs);
  }
}

function actionRecord(call: ChildCall, cacheKey: string | null, cacheStatus: CacheStatus, attempt: number, inputs: string): ActionRecord {
  const { frame, prior } = call;
  const now = Date.now();
  return {
    runName: frame.run.name,
    name: call.name,
    parentName: frame.node.name,
    type: "task",
    taskName: call.task.id,
    group: frame.group,
    seq: call.seq,
    phase: "running",
    attempt,
    inputs,
    outputs: null,
    error: null,
    cacheKey,
    cacheStatus,
    createdAt: prior?.createdAt ?? now,
    startedAt: now,
    endedAt: null,
  };
}

/**
 * Runs a traced function as a child of the frame's action and has `record` store its outcome before the caller
 * continues; an earlier execution's successful outcome is returned without running it again.
 */
export async function traced(
  frame: ActionFrame,
  fnName: string,
  fn: (...args: any[]) => unknown,
  args: readonly unknown[],
  record: (outcome: TraceOutcome) => Promise<void>,
): Promise<unknown> {
  const { inputs, seq, name, prior } = identifyCall(frame, `trace:${fnName}`, args, `inputs of trace ${fnName}`);
  if (prior?.phase === "succeeded" && prior.outputs !== null) return decodeValue(await loadStoredValue(prior.outputs));
  const attempt = (prior?.attempt ?? 0) + 1;
  const outcome = { name, seq, fnName, inputs, attempt, startedAt: Date.now() };
  let encoded: string;
  try {
    encoded = encodeValue(await fn(...args), { what: `output of trace ${fnName}` });
  } catch (error) {
    await record({ ...outcome, outputs: null, error: toErrorRecord(error, attempt) });
    throw error;
  }
  await record({ ...outcome, outputs: encoded, error: null });
  return decodeValue(encoded);
}

/**
 * Encodes a call's arguments, gives it the next sequence number of its parent and its deterministic name, and
 * finds what an earlier execution recorded under that name. Throws when the parent can no longer start work.
 */
export function identifyCall(frame: ActionFrame, identity: string, args: readonly unknown[], what: string) {
  const parent = frame.node;
  throwIfStopped(parent);
  const inputs = encodeValue(args, { what });
  const seq = parent.nextSeq++;
  const name = childActionName(parent.name, identity, hashText(inputs), seq, frame.group);
  return { inputs, seq, name, prior: frame.run.prior.get(name) };
}

export function throwIfStopped(node: ActionNode): void {
  const reason = node.stopReason;
  if (!reason) return;
  throw reason instanceof ActionAbortedError
    ? reason
    : new ActionAbortedError(`action ${node.name} stopped (${reason.message}); it cannot start new child actions`, {
        cause: reason,
      });
}
