// What a worker process does with the engine's messages: runs attempts of the tasks its module defines, each
// in its own action frame with a RemoteController, and sends back results, calls and captured logs. Stops
// arrive as "abort", fire the attempt's ctx().signal and are acknowledged at once ("stopped"); the engine kills
// the process if the code ignores the signal.
import type { BlobStore } from "../blob/index.js";
import {
  ActionNode,
  RunState,
  descendantAborted,
  runFinalizers,
  runInFrame,
  type TaskTemplate,
} from "../engine/index.js";
import { fromErrorRecord, toErrorRecord, TaskNotFoundError, type ErrorRecord } from "../errors/index.js";
import { decodeValue, encodeValue } from "../io/index.js";
import type { WriteOp } from "../store/index.js";
import type { CallRequest, EngineMessage, RunMessage, WorkerMessage } from "./protocol.js";
import { RemoteController } from "./remote-controller.js";

interface PendingCall {
  resolve(outputs: string | null): void;
  reject(error: Error): void;
}

export class WorkerRuntime {
  private readonly controller = new RemoteController((node, request) => this.call(node, request));
  private readonly runs = new Map<string, { state: RunState; attempts: number }>();
  /** Live attempts by id, and the id of each attempt's node (calls are addressed by attempt). */
  private readonly attempts = new Map<number, ActionNode>();
  private readonly attemptIds = new WeakMap<ActionNode, number>();
  private readonly calls = new Map<number, PendingCall>();
  private nextCall = 1;

  constructor(
    private readonly tasks: ReadonlyMap<string, TaskTemplate>,
    private readonly blobs: BlobStore,
    private readonly send: (message: WorkerMessage) => void,
  ) {}

  /** Attempts running now. */
  get busy(): number {
    return this.attempts.size;
  }

  receive(message: EngineMessage): void {
    switch (message.t) {
      case "run":
        void this.runAttempt(message);
        return;
      case "abort":
        this.attempts.get(message.id)?.abort(fromErrorRecord(message.error), descendantAborted);
        this.send({ t: "stopped", id: message.id });
        return;
      case "reply":
        this.settle(message.call, message.outputs, message.error);
        return;
      case "shutdown":
        return;
    }
  }

  private async runAttempt(message: RunMessage): Promise<void> {
    const { id } = message;
    const task = this.tasks.get(message.taskId);
    if (!task) {
      const known = [...this.tasks.keys()].join(", ") || "none";
      const error = new TaskNotFoundError(`this worker's module does not define task ${message.taskId} (it defines: ${known})`);
      this.send({ t: "result", id, outputs: null, error: toErrorRecord(error, message.attempt) });
      return;
    }
    const run = this.runState(message);
    run.state.rememberPrior(message.prior);
    const node = new ActionNode(message.action, null);
    node.beginAttempt(message.attempt);
    this.attempts.set(id, node);
    this.attemptIds.set(node, id);
    try {
      const args = decodeValue(message.inputs) as unknown[];
      // Awaited to its real end, even after an abort: until the code settles the attempt holds its slot, and
      // the engine kills this process if the code ignores the abort for longer than the grace period.
      const value = await runInFrame({ run: run.state, node, task, args, group: null }, () => task.fn(...args));
      await runFinalizers(node);
      const outputs = encodeValue(value, { what: `output of task ${task.id} (action ${node.name})` });
      const { answers } = message;
      if (answers && outputs.length <= answers.maxChars && !node.stopReason) {
        this.send({ t: "result", id, outputs, error: null, answered: true });
        this.settle(answers.call, outputs, null);
      } else {
        this.send({ t: "result", id, outputs, error: null });
      }
    } catch (error) {
      await runFinalizers(node).catch(() => undefined);
      this.send({ t: "result", id, outputs: null, error: toErrorRecord(error, message.attempt) });
    } finally {
      this.attempts.delete(id);
      if (--run.attempts === 0) this.runs.delete(message.run.name);
    }
  }

  /** One RunState per run with attempts in this worker, so priors and settings are shared between them. */
  private runState(message: RunMessage): { state: RunState; attempts: number } {
    let entry = this.runs.get(message.run.name);
    if (!entry) {
      const { name, project, domain, rawDataPath } = message.run;
      const settings = { project, domain, labels: {}, envVars: message.envVars, overwriteCache: false };
      const sink = (op: WriteOp): void => this.send({ t: "log", op });
      entry = { state: new RunState(name, settings, this.controller, this.blobs, rawDataPath, sink), attempts: 0 };
      this.runs.set(name, entry);
    }
    entry.attempts++;
    return entry;
  }

  private settle(call: number, outputs: string | null, error: ErrorRecord | null): void {
    const pending = this.calls.get(call);
    if (!pending) return;
    this.calls.delete(call);
    if (error) pending.reject(fromErrorRecord(error));
    else pending.resolve(outputs);
  }

  private call(node: ActionNode, request: CallRequest): Promise<string | null> {
    const id = this.attemptIds.get(node);
    if (id === undefined) return Promise.reject(new Error(`action ${node.name} is not running in this worker`));
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      this.send({ t: "call", id, call, request });
    });
  }
}
