// The Controller inside a worker process. Task code calls it exactly as it calls the local controller; here
// each child call is named and encoded in the worker (so a re-executed parent names its children the same
// way) and then performed by the engine, which records, caches, retries and runs it. Answers come back on the
// worker's one channel; nothing opens a connection per child.
import {
  identifyCall,
  loadStoredValue,
  traced,
  type ActionFrame,
  type ActionNode,
  type Controller,
  type TaskTemplate,
} from "../engine/index.js";
import { decodeValue } from "../io/index.js";
import type { CallRequest } from "./protocol.js";

/** Sends a call for the attempt that `node` is running and resolves with the engine's answer. */
export type EngineCall = (node: ActionNode, request: CallRequest) => Promise<string | null>;

export class RemoteController implements Controller {
  constructor(private readonly call: EngineCall) {}

  async submit(frame: ActionFrame, task: TaskTemplate, args: readonly unknown[]): Promise<unknown> {
    const { inputs, seq, name, prior } = identifyCall(frame, task.id, args, `inputs of task ${task.id}`);
    if (prior?.phase === "succeeded" && prior.outputs !== null) return decodeValue(await loadStoredValue(prior.outputs));
    const outputs = await this.call(frame.node, {
      kind: "task",
      taskId: task.id,
      name,
      seq,
      group: frame.group,
      inputs,
      ...(task.reference === undefined ? {} : { ref: task.reference }),
    });
    return decodeValue(outputs ?? "null");
  }

  trace(frame: ActionFrame, fnName: string, fn: (...args: any[]) => unknown, args: readonly unknown[]): Promise<unknown> {
    return traced(frame, fnName, fn, args, async (outcome) => {
      await this.call(frame.node, { kind: "trace", group: frame.group, ...outcome });
    });
  }

  async saveReport(frame: ActionFrame, html: string): Promise<void> {
    await this.call(frame.node, { kind: "report", html });
  }
}
