// What every route handler works with (engine, launcher, watch hub, task lookup, defaults), and the lookups and
// body parsing they share, so "unknown run" or "malformed JSON" reads the same on every endpoint.
import type { Context } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import type { LocalEngine } from "../engine/index.js";
import type { ActionRecord, RunRecord } from "../store/index.js";
import { ApiError, notFound } from "./api-error.js";
import { bodyText } from "./request-body.js";
import type { CodeStore } from "./code-store.js";
import type { DeployedTasks } from "./deployed-tasks.js";
import type { RunLauncher } from "./run-launcher.js";
import type { SecretStore } from "./secret-store.js";
import type { Schema } from "./schema.js";
import type { WorkerHosts } from "../executor/worker-hosts.js";
import type { TaskCatalog } from "./task-catalog.js";
import type { WatchHub } from "./watch-hub.js";

export type ApiEnv = { Variables: RequestIdVariables };

export interface ApiContext {
  readonly engine: LocalEngine;
  readonly launcher: RunLauncher;
  readonly hub: WatchHub;
  readonly catalog: TaskCatalog;
  /** Tasks registered by `flyte deploy`, by project, domain, id and version. */
  readonly deployed: DeployedTasks;
  /** Worker hosts that joined; undefined when tasks run in the server's own process. */
  readonly workers: WorkerHosts | undefined;
  readonly project: string;
  readonly domain: string;
  readonly heartbeatMs: number | undefined;
  /** Code bundles uploaded for remote runs (PUT /v1/code/:hash), by hash. */
  readonly code: CodeStore;
  /** Encrypted secrets by project and domain (PUT/GET/DELETE /v1/secrets). */
  readonly secrets: SecretStore;
}

export async function requireRun(api: ApiContext, name: string): Promise<RunRecord> {
  const run = await api.engine.store.getRun(name);
  if (!run) throw notFound("RUN_NOT_FOUND", `run "${name}" does not exist on this server; list runs with GET /v1/runs`);
  return run;
}

export async function requireAction(api: ApiContext, runName: string, actionName: string): Promise<ActionRecord> {
  await requireRun(api, runName);
  const action = await api.engine.store.getAction(runName, actionName);
  if (!action) {
    throw notFound("ACTION_NOT_FOUND", `run "${runName}" has no action "${actionName}"; list its actions with GET /v1/runs/${runName}/actions`);
  }
  return action;
}

/** Parses the JSON body against `schema`. An empty body counts as `{}` when `emptyAllowed` (optional bodies). */
export async function readBody<T>(c: Context<ApiEnv>, schema: Schema<T>, emptyAllowed = false): Promise<T> {
  const text = await bodyText(c);
  if (text.trim() === "" && emptyAllowed) return schema.parse({}, "body");
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, "MALFORMED_JSON", `the request body is not valid JSON (${(error as Error).message}); send a JSON object`, "body");
  }
  return schema.parse(value, "body");
}
