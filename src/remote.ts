/**
 * Runs, actions and secrets as objects: look up a run by name or list them, wait for it, read its outputs, look
 * into each action (attempts, decoded inputs and outputs, the revived error, logs), and manage the server's
 * secrets. With flyte.init({ endpoint }) they read the Flyte server; without it, the local store (`.flyte/`), so
 * the same code works for local runs. Projects and domains scope everything (default "default"/"development").
 *
 * @example
 * import * as flyte from "flyte";
 * import * as remote from "flyte/remote";
 * await flyte.init({ endpoint: "http://localhost:8090", project: "ml" });
 * for (const run of await remote.Run.list({ limit: 5, phase: "failed" })) {
 *   const root = await remote.Action.get(run, "a0");
 *   const { attempts, error } = await root.details();
 *   console.log(run.name, attempts.length, error?.message);
 * }
 * const run = await remote.Run.get("r3x9k2");
 * await run.wait();
 * console.log(await run.outputs());
 *
 * @module
 */
export { Run } from "./sdk/index.js";
export {
  Action,
  Secret,
  type ActionDetails,
  type ActionLookup,
  type AttemptDetails,
  type RunDetails,
  type RunListOptions,
  type RunLookupOptions,
  type SecretInfo,
  type SecretOptions,
  type SecretScopeOptions,
  Task,
  type DeployedTaskInfo,
  type RemoteTask,
  type TaskGetOptions,
} from "./sdk/remote/index.js";
export type { ActionPhase, ActionRecord, LogRecord } from "./store/index.js";
