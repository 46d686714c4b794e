// Tasks: those this server loaded (exported by its --load files, or registered in its process) and those
// deployed with `flyte deploy` (POST /v1/deployments), which are kept per project, domain and version. A
// task id names a loaded task first; `?version=` or an id nothing loaded defines names a deployed one.
import type { Hono } from "hono";
import { VERSION_PATTERN, type DeploymentRequest } from "../deploy/deployment.js";
import type { InputSpec } from "../deploy/interface/index.js";
import { TASK_ID_PATTERN } from "../engine/index.js";
import { readBody, type ApiContext, type ApiEnv } from "./api-context.js";
import type { Scope } from "./deployed-tasks.js";
import { arrayOf, jsonArray, jsonObjectOrNull, nullable, object, optional, queryInteger, string } from "./schema.js";
import { PAGE_LIMIT, SCOPE } from "./routes-runs.js";
import { deployedTaskView, taskView } from "./views.js";

const TASK_ID = TASK_ID_PATTERN;
const scopeField = optional(string({ pattern: SCOPE, patternHint: "lowercase letters, digits, - and _" }));
const versionField = string({ pattern: VERSION_PATTERN, patternHint: 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128' });

export const deploymentBody = object(
  {
    project: scopeField,
    domain: scopeField,
    version: versionField,
    code: string({ description: "sha256 of the code bundle (uploaded with PUT /v1/code/:hash) that defines the tasks", pattern: /^[0-9a-f]{64}$/, patternHint: "64 lowercase hex digits" }),
    environments: arrayOf(
      object({
        name: string({ pattern: /^[a-z0-9_-]+$/, patternHint: "an environment name: lowercase letters, digits, - and _" }),
        dependsOn: arrayOf(string({ maxLength: 256 })),
        image: nullable(string({ maxLength: 1024 })),
      }),
      "the environments deployed (the named ones and those they depend on)",
    ),
    tasks: arrayOf(
      object({
        id: string({ pattern: TASK_ID, patternHint: 'a task id "env.task" whose task name is an identifier', maxLength: 256 }),
        envName: string({ maxLength: 256 }),
        inputs: nullable(jsonArray("the task's inputs from its TypeScript signature: { name, schema, optional, hasDefault, typeText }")),
        output: jsonObjectOrNull("the JSON Schema of the task's output"),
        outputTypeText: nullable(string({ maxLength: 4096 })),
        docs: nullable(string({ maxLength: 65_536 })),
      }),
      "every task of the deployed environments",
    ),
  },
  "registers the tasks of a deploy (flyte deploy) under one version",
);

export function registerTaskRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  const scopeOf = (project: string | undefined, domain: string | undefined): Scope => ({
    project: scopeField.parse(project, "project") ?? api.project,
    domain: scopeField.parse(domain, "domain") ?? api.domain,
  });

  app.post("/v1/deployments", async (c) => {
    const body = await readBody(c, deploymentBody);
    const request: DeploymentRequest = { ...body, tasks: body.tasks.map((task) => ({ ...task, inputs: task.inputs as InputSpec[] | null })) };
    const result = await api.deployed.register(request, scopeOf(body.project, body.domain));
    return c.json({ deployment: result }, result.created.length > 0 ? 201 : 200);
  });

  app.get("/v1/tasks", async (c) => {
    const tasks = [...api.catalog.list()].sort((a, b) => a.id.localeCompare(b.id));
    const scope = scopeOf(c.req.query("project"), c.req.query("domain"));
    const deployed = await api.engine.store.listTaskVersions({ ...scope, limit: queryInteger(c.req.query("limit"), "limit", PAGE_LIMIT, 1000) });
    return c.json({ tasks: tasks.map(taskView), deployed: deployed.map(deployedTaskView) });
  });

  app.get("/v1/tasks/:id", async (c) => {
    const id = c.req.param("id");
    const versionText = c.req.query("version");
    const version = versionText === undefined ? undefined : versionField.parse(versionText, "version");
    // `?deployed=true` (or a version) reads the deploy registry even for an id a --load file also defines.
    const deployedOnly = version !== undefined || c.req.query("deployed") === "true";
    const loaded = deployedOnly ? undefined : (await api.catalog.find(id))?.task;
    if (loaded) return c.json({ task: taskView(loaded) });
    const scope = scopeOf(c.req.query("project"), c.req.query("domain"));
    const deployed = deployedOnly
      ? await api.deployed.require(scope, id, version)
      : await api.deployed.latestOfUnloaded(scope, id, "list them with GET /v1/tasks");
    return c.json({ task: deployedTaskView(deployed) });
  });

  app.get("/v1/tasks/:id/versions", async (c) => {
    const id = c.req.param("id");
    const scope = scopeOf(c.req.query("project"), c.req.query("domain"));
    const limit = queryInteger(c.req.query("limit"), "limit", PAGE_LIMIT, 100);
    const offset = queryInteger(c.req.query("offset"), "offset", { min: 0, max: Number.MAX_SAFE_INTEGER }, 0);
    const versions = await api.engine.store.listTaskVersions({ ...scope, taskId: id, limit, offset });
    if (versions.length === 0 && offset === 0) await api.deployed.require(scope, id);
    return c.json({ versions: versions.map(deployedTaskView) });
  });
}
