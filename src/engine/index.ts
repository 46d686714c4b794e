// The engine part: the Controller seam, the ambient action frame, and the local (embedded) engine.
export type { ActionFrame, CacheSpec, Controller, RetryPolicy, TaskTemplate, TimeoutPolicy } from "./types.js";
export type { ActionNode } from "./action-node.js";
export { currentFrame, runInFrame } from "./context.js";
export { processGlobal } from "../process-global.js";
export { attemptDataPrefix } from "./data-context-provider.js";
export { LocalEngine, storedRunError, type EngineOptions, type RunExecution, type RunOptions, type RunOutcome } from "./local-engine.js";
export { setLogEcho } from "./log-capture.js";
export { ROOT_ACTION, childActionName, newRunName } from "./naming.js";
export type { RunSettings, RunState } from "./run-state.js";
