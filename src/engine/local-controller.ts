// Executes child actions and traces in this process. Each call gets a deterministic name; an action that a
// previous execution already finished (a resumed run, a retried parent) is re-attached, its recorded output
// returned instead of running again; a cached call is answered from the cache; anything else is recorded
// first, then run by the attempt runner.
import { ActionAbortedError, toErrorRecord } from "../errors/index.js";
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

/** One child call, named and encoded. */
interface ChildCall {
  readonly frame: ActionFrame;
  readonly task: TaskTemplate;
  readonly name: string;
  readonly seq: number;
  readonly inputs: string;
  /** What an earlier execution recorded under this name, if anything. */
  readonly prior: ActionRecord | undefined;
}

export class LocalController implements Controller {
  constructor(private readonly resources: EngineResources) {}

  async submit(frame: ActionFrame, task: TaskTemplate, args: readonly unknown[]): Promise<unknown> {
    const { inputs, seq, name, prior } = identifyCall(frame, task.id, args, `inputs of task ${task.id}`);
    if (prior?.phase === "succeeded" && prior.outputs !== null) return decodeValue(await loadStoredValue(prior.outputs));

    const call: ChildCall = { frame, task, name, seq, inputs, prior };
    const cacheKey = cacheKeyFor(task, args, inputs);
    if (cacheKey === null) return this.execute(call, null, "disabled");
    if (task.cache.serialize) return this.resources.cache.serialize(cacheKey, () => this.cachedCall(call, cacheKey));
    return this.cachedCall(call, cacheKey);
  }

  async trace(frame: ActionFrame, fnName: string, fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown> {
    const { inputs, seq, name, prior } = identifyCall(frame, `trace:${fnName}`, args, `inputs of trace ${fnName}`);
    if (prior?.phase === "succeeded" && prior.outputs !== null) return decodeValue(await loadStoredValue(prior.outputs));

    const attempt = (prior?.attempt ?? 0) + 1;
    const dataPrefix = attemptDataPrefix(frame.run.rawDataPath, name, attempt);
    const storedInputs = await storedValue(this.resources, inputs, `${dataPrefix}/inputs.json`);
    const startedAt = Date.now();
    const record = (fields: Pick<ActionRecord, "phase" | "outputs" | "error">): WriteOp => ({
      op: "action.insert",
      action: {
        runName: frame.run.name,
        name,
        parentName: frame.node.name,
        type: "trace",
        taskName: fnName,
        group: frame.group,
        seq,
        attempt,
        inputs: storedInputs,
        cacheKey: null,
        cacheStatus: "disabled",
        createdAt: startedAt,
        startedAt,
        endedAt: Date.now(),
        ...fields,
      },
    });
    let encoded: string;
    try {
      encoded = encodeValue(await fn(...args), { what: `output of trace ${fnName}` });
    } catch (error) {
      await this.resources.batcher.write(record({ phase: "failed", outputs: null, error: toErrorRecord(error, attempt) }));
      throw error;
    }
    const outputs = await storedValue(this.resources, encoded, `${dataPrefix}/outputs.json`);
    await this.resources.batcher.write(record({ phase: "succeeded", outputs, error: null }));
    return decodeValue(encoded);
  }

  async saveReport(frame: ActionFrame, html: string): Promise<void> {
    const { run, node } = frame;
    await this.resources.batcher.write({
      op: "report.put",
      report: { runName: run.name, actionName: node.name, attempt: node.attempt, html, updatedAt: Date.now() },
    });
  }

  private async cachedCall(call: ChildCall, cacheKey: string): Promise<unknown> {
    if (!call.frame.run.settings.overwriteCache) {
      const hit = await this.resources.cache.lookup(cacheKey);
      if (hit) {
        const action = await this.newAction(call, cacheKey, "hit");
        await this.resources.batcher.write({
          op: "action.insert",
          action: { ...action, phase: "succeeded", outputs: hit.outputs, endedAt: action.startedAt },
        });
        return decodeValue(await loadStoredValue(hit.outputs));
      }
    }
    return this.execute(call, cacheKey, "miss");
  }

  private async execute(call: ChildCall, cacheKey: string | null, cacheStatus: CacheStatus): Promise<unknown> {
    const { frame, prior } = call;
    const { run, node: parent } = frame;
    throwIfStopped(parent);
    const action = await this.newAction(call, cacheKey, cacheStatus);
    const ops: WriteOp[] = [{ op: "action.insert", action }];
    if (prior && !TERMINAL_PHASES.has(prior.phase)) ops.unshift(lostAttempt(prior));
    await this.resources.batcher.write(...ops);

    const node = new ActionNode(call.name, parent);
    parent.attach(node);
    try {
      // The child gets its own decoded copy of the arguments, exactly as a worker in another process would.
      const output = await runAttempts({
        resources: this.resources,
        run,
        node,
        task: call.task,
        args: decodeValue(call.inputs) as unknown[],
        cacheKey,
        firstAttempt: action.attempt,
      });
      return decodeValue(output.encoded);
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
 * Encodes a call's arguments, gives it the next sequence number of its parent and its deterministic name, and
 * finds what an earlier execution recorded under that name. Throws when the parent can no longer start work.
 */
function identifyCall(frame: ActionFrame, identity: string, args: readonly unknown[], what: string) {
  const parent = frame.node;
  throwIfStopped(parent);
  const inputs = encodeValue(args, { what });
  const seq = parent.nextSeq++;
  const name = childActionName(parent.name, identity, hashText(inputs), seq, frame.group);
  return { inputs, seq, name, prior: frame.run.prior.get(name) };
}

function throwIfStopped(node: ActionNode): void {
  const reason = node.stopReason;
  if (!reason) return;
  throw reason instanceof ActionAbortedError
    ? reason
    : new ActionAbortedError(`action ${node.name} stopped (${reason.message}); it cannot start new child actions`, {
        cause: reason,
      });
}
