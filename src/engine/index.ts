// The engine part: the Controller seam, the ambient action frame, and the local (embedded) engine.
export type {
  ActionFrame,
  AttemptHandle,
  AttemptRequest,
  CacheSpec,
  Controller,
  Executor,
  RetryPolicy,
  ReuseSpec,
  SecretSpec,
  TaskPlacement,
  TaskReference,
  TaskTemplate,
  TimeoutPolicy,
} from "./types.js";
export { ActionNode } from "./action-node.js";
export { currentFrame, runInFrame } from "./context.js";
export { processGlobal } from "../process-global.js";
export { attemptDataPrefix } from "./data-context-provider.js";
export { LocalEngine, storedRunError, type EngineOptions, type RunExecution, type RunOptions, type RunOutcome } from "./local-engine.js";
export { setLogEcho } from "./log-capture.js";
export { ROOT_ACTION, RUN_NAME_PATTERN, SCOPE_PATTERN, TASK_ID_PATTERN, childActionName, newRunName } from "./naming.js";
export { RunState, type RunSettings } from "./run-state.js";
export type { DurabilityPolicy } from "./write-batcher.js";
// For the executor (engine side) and the worker (process side) of out-of-process execution.
export { descendantAborted, runFinalizers } from "./attempt-runner.js";
export { identifyCall, traced, type LocalController, type TraceOutcome } from "./local-controller.js";
export { installDataContext } from "./data-context-provider.js";
export { installLogCapture } from "./log-capture.js";
export { loadStoredValue } from "./value-offload.js";
export { SecretMounts, type SecretMountRequest, type SecretMountsOptions } from "./secret-mounts.js";
export type { EngineHandle } from "./local-engine.js";
