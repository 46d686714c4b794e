// The OpenAPI 3.1 description of the API, written by hand next to the routes. Request bodies come from the same
// schema objects that validate them, and a test checks that every registered route appears here.
import { viewSchemas } from "./views.js";
import { abortRunBody, PAGE_LIMIT, PHASES, startRunBody } from "./routes-runs.js";
import { codeManifestSchema, uploadCodeBody } from "./routes-code.js";
import { registerWorkerBody, workerReportsBody } from "./routes-workers.js";
import { putSecretBody, secretSchema } from "./routes-secrets.js";
import { deploymentBody } from "./routes-tasks.js";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ "application/json": { schema } });
const obj = (properties: Json): Json => ({ type: "object", properties, required: Object.keys(properties) });
const arrayOf = (name: string): Json => ({ type: "array", items: ref(name) });

const ERROR_TEXT: Record<number, string> = {
  400: "malformed JSON, or a body or query parameter that is not accepted (error.field names it)",
  401: "missing or wrong bearer token",
  404: "unknown run, action, task, report, code bundle, worker host or secret",
  409: "conflict with the run's current state",
  413: "the request body is over the server's limit (16 MiB)",
  500: "unexpected server failure (error.requestId identifies it in the server log)",
};

function errors(...statuses: number[]): Json {
  return Object.fromEntries([...statuses, 500].map((status) => [String(status), { description: ERROR_TEXT[status], content: json(ref("Error")) }]));
}

const pathParam = (name: string, description: string): Json => ({ name, in: "path", required: true, schema: { type: "string" }, description });
const queryParam = (name: string, schema: Json, description: string): Json => ({ name, in: "query", required: false, schema, description });
const RUN = pathParam("name", "run name");
const ACTION = pathParam("action", "action name (the root action is a0)");
const LIMIT = queryParam("limit", { type: "integer", minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: 50 }, "page size");
const PHASE = queryParam("phase", { type: "string", enum: PHASES }, "only runs in this phase");
const HASH = pathParam("hash", "the bundle's sha256, 64 lowercase hex digits");
const WORKER = pathParam("id", "the worker host's id, from POST /v1/workers");
const SECRET = pathParam("name", 'the secret\'s key: letters, digits, "_", "." and "-"');
const TASK = pathParam("id", "task id, env.task");
const SCOPE_PROJECT = queryParam("project", { type: "string" }, "default: the server's project");
const SCOPE_DOMAIN = queryParam("domain", { type: "string" }, "default: the server's domain");
const DEPLOYMENT: Json = {
  type: "object",
  properties: {
    project: { type: "string" },
    domain: { type: "string" },
    version: { type: "string" },
    code: { type: "string" },
    created: { type: "array", items: { type: "string" }, description: "task ids registered for the first time" },
    redeployed: { type: "array", items: { type: "string" }, description: "task ids that had this version already" },
  },
};
const WAIT = queryParam("wait", { type: "integer", minimum: 0, maximum: 60_000, default: 0 }, "answer once the run has ended, waiting at most this many ms");

interface Operation {
  summary: string;
  parameters?: Json[];
  body?: Json;
  ok: [status: number, description: string, content: Json];
  errors: number[];
  open?: boolean;
}

function operation(op: Operation): Json {
  const out: Json = {
    summary: op.summary,
    parameters: op.parameters ?? [],
    responses: { [String(op.ok[0])]: { description: op.ok[1], content: op.ok[2] }, ...errors(...(op.open ? [] : [401]), ...op.errors) },
  };
  if (op.body) out["requestBody"] = { required: true, content: json(op.body) };
  if (op.open) out["security"] = [];
  return out;
}

const sse = (description: string): Json => ({ "text/event-stream": { schema: { type: "string", description } } });

export function openApiDocument(version: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "Flyte for TypeScript control plane",
      version,
      description: "Runs, actions, logs, reports, tasks and watch streams. Errors are { error: { code, message, field?, requestId? } }.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths: {
      "/v1/health": {
        get: operation({ summary: "liveness; needs no token", open: true, errors: [], ok: [200, "the server is up", json(obj({ ok: { const: true }, version: { type: "string" } }))] }),
      },
      "/v1/openapi.json": {
        get: operation({ summary: "this document; needs no token", open: true, errors: [], ok: [200, "OpenAPI 3.1 document", json({ type: "object" })] }),
      },
      "/v1/runs": {
        post: operation({ summary: "start a run", parameters: [WAIT], body: startRunBody.jsonSchema as Json, errors: [400, 404, 409], ok: [201, "the stored run (ended, with ?wait, unless the wait ran out)", json(obj({ run: ref("Run") }))] }),
        get: operation({
          summary: "list runs, newest first",
          parameters: [
            LIMIT,
            queryParam("offset", { type: "integer", minimum: 0, default: 0 }, "rows to skip"),
            PHASE,
            queryParam("project", { type: "string" }, "only runs of this project"),
            queryParam("domain", { type: "string" }, "only runs of this domain"),
            queryParam("task", { type: "string" }, "only runs of this root task id (env.task)"),
          ],
          errors: [400],
          ok: [200, "a page of runs; nextOffset is null on the last page", json(obj({ runs: arrayOf("Run"), nextOffset: { anyOf: [{ type: "integer" }, { type: "null" }] } }))],
        }),
      },
      "/v1/runs/{name}": {
        get: operation({ summary: "one run", parameters: [RUN, WAIT], errors: [400, 404], ok: [200, "the run", json(obj({ run: ref("Run") }))] }),
      },
      "/v1/runs/{name}/abort": {
        post: operation({
          summary: "abort a run and all its actions",
          parameters: [RUN],
          body: abortRunBody.jsonSchema as Json,
          errors: [400, 404, 409],
          ok: [202, "abort requested; the run reaches phase aborted shortly", json(obj({ run: ref("Run") }))],
        }),
      },
      "/v1/runs/{name}/logs": {
        get: operation({ summary: "console output of every action of a run", parameters: [RUN], errors: [404], ok: [200, "log lines in write order", json(obj({ logs: arrayOf("LogRecord") }))] }),
      },
      "/v1/runs/{name}/actions": {
        get: operation({
          summary: "actions of a run in creation order",
          parameters: [RUN, queryParam("parent", { type: "string" }, "only the direct children of this action")],
          errors: [404],
          ok: [200, "the actions", json(obj({ actions: arrayOf("Action") }))],
        }),
      },
      "/v1/runs/{name}/actions/{action}": {
        get: operation({ summary: "one action with its finished attempts", parameters: [RUN, ACTION], errors: [404], ok: [200, "the action", json(obj({ action: ref("Action"), attempts: arrayOf("Attempt") }))] }),
      },
      "/v1/runs/{name}/actions/{action}/logs": {
        get: operation({
          summary: "console output of one action",
          parameters: [RUN, ACTION, queryParam("attempt", { type: "integer", minimum: 1 }, "only this attempt")],
          errors: [400, 404],
          ok: [200, "log lines in write order", json(obj({ logs: arrayOf("LogRecord") }))],
        }),
      },
      "/v1/runs/{name}/actions/{action}/report": {
        get: operation({ summary: "the action's HTML report (latest attempt), served sandboxed", parameters: [RUN, ACTION], errors: [404], ok: [200, "the report", { "text/html": { schema: { type: "string" } } }] }),
      },
      "/v1/runs/{name}/watch": {
        get: operation({
          summary: "stream a run: snapshot, then live changes, then end",
          parameters: [RUN],
          errors: [404],
          ok: [200, "events: snapshot {run, actions}; action {actions} (batched, at most one update per action per ~50 ms); run {run}; end {run}; error {error}. Comment lines are heartbeats.", sse("server-sent events")],
        }),
      },
      "/v1/watch/runs": {
        get: operation({
          summary: "stream the run list: snapshot, then changed runs",
          parameters: [LIMIT, PHASE],
          errors: [400],
          ok: [200, "events: snapshot {runs} (limit and phase apply to it); runs {runs} with every changed run", sse("server-sent events")],
        }),
      },
      "/v1/code/{hash}": {
        put: operation({
          summary: "upload a code bundle for remote runs (immutable; start runs with { code: hash })",
          parameters: [HASH],
          body: uploadCodeBody.jsonSchema as Json,
          errors: [400, 413],
          ok: [201, "stored (200 with the same body when it was stored already)", json(obj({ code: ref("CodeManifest") }))],
        }),
        get: operation({ summary: "a stored code bundle's manifest (HEAD: whether it is stored, without a body)", parameters: [HASH], errors: [400, 404], ok: [200, "the manifest", json(obj({ code: ref("CodeManifest") }))] }),
        head: operation({ summary: "whether a code bundle is stored: 200 or 404, no body", parameters: [HASH], errors: [400, 404], ok: [200, "the bundle is stored", {}] }),
      },
      "/v1/code/{hash}/bundle": {
        get: operation({ summary: "a stored code bundle's JavaScript (worker hosts download it)", parameters: [HASH], errors: [400, 404], ok: [200, "the bundle", { "text/javascript": { schema: { type: "string" } } }] }),
      },
      "/v1/workers": {
        post: operation({
          summary: "join as a worker host (flyte start worker)",
          body: registerWorkerBody.jsonSchema as Json,
          errors: [400, 409],
          ok: [201, "the host's id, lease, heartbeat interval and the blob store its workers use", json(obj({ worker: obj({ id: { type: "string" }, leaseMs: { type: "integer" }, heartbeatMs: { type: "integer" }, blobs: { type: "string" } }) }))],
        }),
        get: operation({ summary: "worker hosts that joined", errors: [], ok: [200, "the hosts", json(obj({ workers: { type: "array", items: { type: "object" } } }))] }),
      },
      "/v1/workers/{id}/stream": {
        get: operation({ summary: "a worker host's work: messages events with [{ module, message | load | kill }]", parameters: [WORKER], errors: [404, 409], ok: [200, "server-sent events", sse("server-sent events")] }),
      },
      "/v1/workers/{id}/reports": {
        post: operation({ summary: "what a host's workers reported, in order (renews the lease)", parameters: [WORKER], body: workerReportsBody.jsonSchema as Json, errors: [400, 404, 409], ok: [204, "accepted", {}] }),
      },
      "/v1/workers/{id}/heartbeat": {
        post: operation({ summary: "renews a worker host's lease", parameters: [WORKER], errors: [404, 409], ok: [204, "renewed", {}] }),
      },
      "/v1/secrets": {
        get: operation({
          summary: "secrets of a project and domain: names and times, never values",
          parameters: [queryParam("project", { type: "string" }, "default: the server's project"), queryParam("domain", { type: "string" }, "default: the server's domain")],
          errors: [400],
          ok: [200, "the secrets, by group then name", json(obj({ secrets: arrayOf("Secret") }))],
        }),
      },
      "/v1/secrets/{name}": {
        put: operation({
          summary: "store or replace a secret (encrypted at rest; the value is never returned)",
          parameters: [SECRET],
          body: putSecretBody.jsonSchema as Json,
          errors: [400, 413],
          ok: [201, "stored (200 when it replaced a secret of that name)", json(obj({ secret: ref("Secret") }))],
        }),
        delete: operation({
          summary: "remove a secret",
          parameters: [SECRET, queryParam("project", { type: "string" }, "default: the server's project"), queryParam("domain", { type: "string" }, "default: the server's domain"), queryParam("group", { type: "string" }, "the secret's group, if it has one")],
          errors: [400, 404],
          ok: [204, "removed", {}],
        }),
      },
      "/v1/deployments": {
        post: operation({
          summary: "register the tasks of a deploy (flyte deploy) under one version; the code must be uploaded first",
          body: deploymentBody.jsonSchema as Json,
          errors: [400, 404, 409],
          ok: [201, "registered (200 when every task had this version already: nothing changed but the deploy time)", json(obj({ deployment: DEPLOYMENT }))],
        }),
      },
      "/v1/tasks": {
        get: operation({
          summary: "tasks the server loaded, and the latest version of every task deployed in a project and domain",
          parameters: [SCOPE_PROJECT, SCOPE_DOMAIN, queryParam("limit", { type: "integer", minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: 1000 }, "at most this many deployed tasks")],
          errors: [400],
          ok: [200, "the tasks", json(obj({ tasks: arrayOf("Task"), deployed: arrayOf("DeployedTask") }))],
        }),
      },
      "/v1/tasks/{id}": {
        get: operation({
          summary: "one task by id (env.task): a loaded one, else (or with ?version / ?deployed=true) a deployed version, the latest by default",
          parameters: [
            TASK,
            SCOPE_PROJECT,
            SCOPE_DOMAIN,
            queryParam("version", { type: "string" }, "a deployed version"),
            queryParam("deployed", { type: "boolean" }, "read the deploy registry even when a loaded file defines the id"),
          ],
          errors: [400, 404],
          ok: [200, "the task (a DeployedTask when it comes from the deploy registry)", json(obj({ task: { anyOf: [ref("Task"), ref("DeployedTask")] } }))],
        }),
      },
      "/v1/tasks/{id}/versions": {
        get: operation({
          summary: "the deployed versions of a task, newest deployment first",
          parameters: [TASK, SCOPE_PROJECT, SCOPE_DOMAIN, LIMIT, queryParam("offset", { type: "integer", minimum: 0, default: 0 }, "rows to skip")],
          errors: [400, 404],
          ok: [200, "the versions", json(obj({ versions: arrayOf("DeployedTask") }))],
        }),
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the server's token (printed at start, stored in <localDir>/server-token)" } },
      schemas: {
        ...viewSchemas,
        CodeManifest: codeManifestSchema,
        Secret: secretSchema,
        Error: obj({
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string" }, message: { type: "string" }, field: { type: "string" }, requestId: { type: "string" } },
          },
        }),
      },
    },
  };
}
