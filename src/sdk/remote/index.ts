// The flyte/remote part's only import point: looking runs and actions up (local store or server) and managing
// the server's secrets. The Run class itself lives in ../run.ts; its static get/list come from here.
export { Action, type ActionDetails, type ActionLookup, type AttemptDetails } from "./action.js";
export { getRun, listRuns, runDetails, type RunDetails, type RunListOptions, type RunLookupOptions } from "./runs.js";
export { Secret, type SecretInfo, type SecretOptions, type SecretScopeOptions } from "./secret.js";
export { Task, type DeployedTaskInfo, type RemoteTask, type TaskGetOptions } from "./task.js";
