// Runs and their actions: start, list, get, abort; actions with attempts, logs and reports. Handlers only read
// the RunStore and call the engine; validation names the offending field and lookups 404 with a hint.
import type { Hono } from "hono";
import { RUN_NAME_PATTERN, SCOPE_PATTERN } from "../engine/index.js";
import { decodeValue } from "../io/index.js";
import { ACTION_PHASES, TERMINAL_PHASES, type ActionPhase, type TaskVersionRecord } from "../store/index.js";
import { ApiError, invalidField, notFound } from "./api-error.js";
import { readBody, requireAction, requireRun, type ApiContext, type ApiEnv } from "./api-context.js";
import { boolean, jsonArray, object, optional, queryInteger, record, string } from "./schema.js";
import { checkTaskInputs } from "./input-check.js";
import { MODULE_LABEL, type FoundTask } from "./task-catalog.js";
import type { Scope } from "./deployed-tasks.js";
import { VERSION_PATTERN } from "../deploy/deployment.js";
import { actionView, deployedTaskView, runView } from "./views.js";

export const PHASES = ACTION_PHASES;

const RUN_NAME = RUN_NAME_PATTERN;
export const SCOPE = SCOPE_PATTERN;

export const startRunBody = object(
  {
    task: string({ description: "the task's id, env.task", pattern: /^\S+\.\S+$/, patternHint: 'a task id like "env.task"', maxLength: 256 }),
    inputs: jsonArray("the task's arguments in order, each in the codec's JSON form (plain JSON works for plain values)"),
    name: optional(string({ description: "run name (default: generated)", pattern: RUN_NAME, patternHint: "lowercase letters, digits and -, starting with a letter, at most 63 characters" })),
    project: optional(string({ pattern: SCOPE, patternHint: "lowercase letters, digits, - and _" })),
    domain: optional(string({ pattern: SCOPE, patternHint: "lowercase letters, digits, - and _" })),
    labels: optional(record(string({ maxLength: 1024 }), "free-form string labels recorded with the run")),
    overwriteCache: optional(boolean("re-execute cached tasks and replace their cache entries")),
    code: optional(string({ description: "sha256 of code uploaded with PUT /v1/code/:hash that defines the task", pattern: /^[0-9a-f]{64}$/, patternHint: "64 lowercase hex digits" })),
    version: optional(string({ description: "a deployed version of the task (flyte deploy); without code or version, a task no --load file defines runs its latest deployed version", pattern: VERSION_PATTERN, patternHint: 'letters, digits, ".", "_" and "-"' })),
  },
  "starts a run of a task the server has loaded",
);

export const abortRunBody = object({ reason: optional(string({ maxLength: 4096 })) }, "why the run is aborted");

export const PAGE_LIMIT = { min: 1, max: 1000 };

/** `?wait=MS`: hold the response until the run ends, at most this long (0 = answer at once). */
export const MAX_WAIT_MS = 60_000;

function waitParam(raw: string | undefined): number {
  return queryInteger(raw, "wait", { min: 0, max: MAX_WAIT_MS }, 0);
}

/** GET /v1/runs filters: `?project=&domain=&task=`, each optional (absent lists every project, domain, task). */
function listScope(project: string | undefined, domain: string | undefined, task: string | undefined): { project?: string; domain?: string; taskName?: string } {
  const scope = (value: string | undefined, field: string): string | undefined =>
    value === undefined ? undefined : string({ pattern: SCOPE, patternHint: "lowercase letters, digits, - and _" }).parse(value, field);
  const p = scope(project, "project");
  const d = scope(domain, "domain");
  const t = task === undefined ? undefined : string({ pattern: /^\S+\.\S+$/, patternHint: 'a task id like "env.task"', maxLength: 256 }).parse(task, "task");
  return { ...(p === undefined ? {} : { project: p }), ...(d === undefined ? {} : { domain: d }), ...(t === undefined ? {} : { taskName: t }) };
}

/** The run label that records which deployed version of its task a run runs. */
export const VERSION_LABEL = "flyte.version";

/**
 * The task a run starts: from an uploaded bundle (`code`), a deployed version (`version`), or else a loaded task,
 * falling back to the latest deployed version of that id in the run's project and domain.
 */
async function findTask(api: ApiContext, id: string, code: string | undefined, version: string | undefined, scope: Scope): Promise<FoundTask & { version?: string }> {
  if (code !== undefined) {
    const found = await api.catalog.find(id, code);
    if (!found) throw notFound("TASK_NOT_FOUND", `the uploaded code ${code.slice(0, 12)}… defines no task "${id}"; check the task id (env.task)`);
    return found;
  }
  let deployed: TaskVersionRecord;
  if (version === undefined) {
    const loaded = await api.catalog.find(id);
    if (loaded) return loaded;
    deployed = await api.deployed.latestOfUnloaded(
      scope,
      id,
      "deploy it with flyte deploy FILE.ts, start the server with --load FILE.ts, or upload the code with flyte run FILE.ts",
    );
  } else {
    deployed = await api.deployed.require(scope, id, version);
  }
  const found = await api.catalog.find(id, deployed.code);
  if (!found) throw notFound("TASK_NOT_FOUND", `deployed version ${deployed.version} of "${id}" names code that no longer defines it; deploy it again`);
  const definition = deployedTaskView(deployed);
  return { ...found, inputs: definition.inputsKnown ? definition.inputs : found.inputs, version: deployed.version };
}

export function registerRunRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  const { store } = api.engine;

  app.post("/v1/runs", async (c) => {
    const body = await readBody(c, startRunBody);
    if (body.code !== undefined && body.version !== undefined) {
      throw invalidField("version", "give either code (an uploaded bundle) or version (a deployed task), not both");
    }
    const project = body.project ?? api.project;
    const domain = body.domain ?? api.domain;
    const found = await findTask(api, body.task, body.code, body.version, { project, domain });
    const { task, module } = found;
    let args: unknown[];
    try {
      args = decodeValue(JSON.stringify(body.inputs)) as unknown[];
    } catch (error) {
      throw invalidField("inputs", (error as Error).message);
    }
    if (found.inputs) checkTaskInputs(task.id, found.inputs, args);
    const wait = waitParam(c.req.query("wait"));
    const run = await api.launcher.start(task, args, {
      name: body.name,
      project,
      domain,
      labels: {
        ...body.labels,
        ...(module === undefined ? {} : { [MODULE_LABEL]: module }),
        ...(found.version === undefined ? {} : { [VERSION_LABEL]: found.version }),
      },
      envVars: {},
      overwriteCache: body.overwriteCache ?? false,
    }, wait);
    return c.json({ run: runView(run) }, 201, { Location: `/v1/runs/${run.name}` });
  });

  app.get("/v1/runs", async (c) => {
    const limit = queryInteger(c.req.query("limit"), "limit", PAGE_LIMIT, 50);
    const offset = queryInteger(c.req.query("offset"), "offset", { min: 0, max: Number.MAX_SAFE_INTEGER }, 0);
    const phaseText = c.req.query("phase");
    const phase = phaseText === undefined ? undefined : string({ enum: PHASES }).parse(phaseText, "phase") as ActionPhase;
    const scope = listScope(c.req.query("project"), c.req.query("domain"), c.req.query("task"));
    // One extra row says whether another page exists without a count query.
    const rows = await store.listRuns({ limit: limit + 1, offset, ...(phase === undefined ? {} : { phase }), ...scope });
    const more = rows.length > limit;
    return c.json({ runs: rows.slice(0, limit).map(runView), nextOffset: more ? offset + limit : null });
  });

  app.get("/v1/runs/:name", async (c) => {
    const name = c.req.param("name");
    const wait = waitParam(c.req.query("wait"));
    const run = await requireRun(api, name);
    if (wait === 0 || TERMINAL_PHASES.has(run.phase)) return c.json({ run: runView(run) });
    await api.launcher.settled(name, wait);
    return c.json({ run: runView((await store.getRun(name)) ?? run) });
  });

  app.post("/v1/runs/:name/abort", async (c) => {
    const name = c.req.param("name");
    const body = await readBody(c, abortRunBody, true);
    const run = await requireRun(api, name);
    if (TERMINAL_PHASES.has(run.phase)) {
      throw new ApiError(409, "RUN_ALREADY_ENDED", `run "${name}" already ended (${run.phase}); there is nothing to abort`);
    }
    await api.engine.requestAbort(name, body.reason ?? "aborted through the API");
    // Accepted: the run stops shortly; watch it or poll GET /v1/runs/:name for its terminal phase.
    return c.json({ run: runView((await store.getRun(name)) ?? run) }, 202);
  });

  app.get("/v1/runs/:name/logs", async (c) => {
    const name = c.req.param("name");
    await requireRun(api, name);
    return c.json({ logs: await store.getLogs(name) });
  });

  app.get("/v1/runs/:name/actions", async (c) => {
    const name = c.req.param("name");
    await requireRun(api, name);
    const parent = c.req.query("parent");
    if (parent === undefined) return c.json({ actions: (await store.listActions(name)).map(actionView) });
    await requireAction(api, name, parent);
    return c.json({ actions: (await store.listChildren(name, parent)).map(actionView) });
  });

  app.get("/v1/runs/:name/actions/:action", async (c) => {
    const { name, action: actionName } = c.req.param();
    const action = await requireAction(api, name, actionName);
    return c.json({ action: actionView(action), attempts: await store.listAttempts(name, actionName) });
  });

  app.get("/v1/runs/:name/actions/:action/logs", async (c) => {
    const { name, action } = c.req.param();
    await requireAction(api, name, action);
    const attemptText = c.req.query("attempt");
    const attempt = attemptText === undefined ? undefined : queryInteger(attemptText, "attempt", { min: 1, max: 1_000_000 }, 1);
    return c.json({ logs: await store.getLogs(name, action, attempt) });
  });

  app.get("/v1/runs/:name/actions/:action/report", async (c) => {
    const { name, action } = c.req.param();
    await requireAction(api, name, action);
    const report = await store.getReport(name, action);
    if (!report) throw notFound("REPORT_NOT_FOUND", `action "${action}" of run "${name}" has no report; only tasks with { report: true } write one`);
    // A report is the task author's HTML: sandbox it so its scripts get an opaque origin, never the API's.
    c.header("Content-Security-Policy", "sandbox allow-scripts");
    return c.html(report.html);
  });
}
