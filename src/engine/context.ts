// The only ambient state in the system: which action's code is running right now. Task calls, traces,
// groups, reports and ctx() all look it up here; outside a run there is none and tasks run as plain functions.
import { AsyncLocalStorage } from "node:async_hooks";
import { processGlobal } from "../process-global.js";
import type { ActionFrame } from "./types.js";

const storage = processGlobal("action-frame", () => new AsyncLocalStorage<ActionFrame>());

export function currentFrame(): ActionFrame | undefined {
  return storage.getStore();
}

export function runInFrame<T>(frame: ActionFrame, fn: () => T): T {
  return storage.run(frame, fn);
}
