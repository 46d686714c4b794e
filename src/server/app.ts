// The control plane's HTTP API as a Hono app (Web-standard Request/Response, so tests call `app.request` and
// serve.ts mounts it on Node). Everything lives under /v1; every route but health and the OpenAPI document
// needs the bearer token when one is set; every error leaves in one JSON shape.
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { LocalEngine } from "../engine/index.js";
import { mapError } from "./api-error.js";
import type { ApiContext, ApiEnv } from "./api-context.js";
import { requireToken } from "./auth.js";
import { CodeStore } from "./code-store.js";
import { openApiDocument } from "./openapi.js";
import { registerCodeRoutes } from "./routes-code.js";
import { registerSecretRoutes } from "./routes-secrets.js";
import { SecretStore } from "./secret-store.js";
import { registerRunRoutes } from "./routes-runs.js";
import { registerTaskRoutes } from "./routes-tasks.js";
import { registerWatchRoutes } from "./routes-watch.js";
import { inProcessCatalog, type TaskCatalog } from "./task-catalog.js";
import { DeployedTasks } from "./deployed-tasks.js";
import { registerWorkerRoutes } from "./routes-workers.js";
import type { WorkerHosts } from "../executor/worker-hosts.js";
import { RunLauncher } from "./run-launcher.js";
import { WatchHub } from "./watch-hub.js";

/** The package version (src/server and dist/server both sit two folders below package.json). */
export const VERSION = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

export { MAX_BODY_BYTES } from "./request-body.js";

const OPEN_PATHS: ReadonlySet<string> = new Set(["/v1/health", "/v1/openapi.json"]);

export interface ApiOptions {
  readonly engine: LocalEngine;
  /** Bearer token every request must carry; undefined serves without authentication (local use only). */
  readonly authToken: string | undefined;
  /** The tasks the server can run (default: none). */
  readonly catalog?: TaskCatalog | undefined;
  /** Deployed tasks (serve.ts shares them with the executor, which resolves remote.Task.get calls); created here otherwise. */
  readonly deployed?: DeployedTasks | undefined;
  /** Worker hosts of the server's process executor (none when tasks run in-process). */
  readonly workers?: WorkerHosts | undefined;
  /** Project and domain of runs whose request names none. */
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  /** Where unexpected errors are reported (default: stderr). */
  readonly log?: ((message: string) => void) | undefined;
  /** Shares one run launcher with the caller (serve.ts resumes unfinished runs with it); created here otherwise. */
  readonly launcher?: RunLauncher | undefined;
  /** Shares one watch hub with the caller (serve.ts closes it on shutdown); created here otherwise. */
  readonly hub?: WatchHub | undefined;
  readonly heartbeatMs?: number | undefined;
  /** Where uploaded code bundles are kept (serve.ts: `<localDir>/code`; default: `.flyte/code` in the working directory). */
  readonly codeStore?: CodeStore | undefined;
  /** Encrypted secrets (serve.ts: `SecretStore.open(localDir)`; default: opened in `.flyte` of the working directory on first use). */
  readonly secretStore?: SecretStore | undefined;
}

export function createApi(options: ApiOptions): Hono<ApiEnv> {
  const log = options.log ?? ((message: string) => void process.stderr.write(`${message}\n`));
  let secrets = options.secretStore;
  const catalog = options.catalog ?? inProcessCatalog([], () => undefined);
  const api: ApiContext = {
    engine: options.engine,
    launcher: options.launcher ?? new RunLauncher(options.engine, log),
    hub: options.hub ?? new WatchHub(options.engine, { log }),
    catalog,
    deployed: options.deployed ?? new DeployedTasks(options.engine.store, catalog),
    workers: options.workers,
    project: options.project ?? "default",
    domain: options.domain ?? "development",
    heartbeatMs: options.heartbeatMs,
    code: options.codeStore ?? new CodeStore(path.resolve(".flyte", "code")),
    // Lazy, so an app that never serves secrets creates no key file in the working directory.
    get secrets(): SecretStore {
      return (secrets ??= SecretStore.open(path.resolve(".flyte")));
    },
  };

  const app = new Hono<ApiEnv>();
  app.use(requestId());
  app.use("/v1/*", requireToken(options.authToken, OPEN_PATHS));

  app.get("/v1/health", (c) => c.json({ ok: true, version: VERSION }));
  const document = openApiDocument(VERSION);
  app.get("/v1/openapi.json", (c) => c.json(document));
  registerRunRoutes(app, api);
  registerTaskRoutes(app, api);
  registerWatchRoutes(app, api);
  registerCodeRoutes(app, api);
  registerWorkerRoutes(app, api);
  registerSecretRoutes(app, api);

  app.notFound((c) => {
    return c.json({ error: { code: "NOT_FOUND", message: `there is no route ${c.req.method} ${c.req.path}; see GET /v1/openapi.json` } }, 404);
  });
  app.onError((error, c) => {
    const id = c.get("requestId");
    const mapped = mapError(error, id);
    if (mapped.unexpected) {
      log(`request ${id} ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
    }
    if (mapped.status === 401) c.header("WWW-Authenticate", 'Bearer realm="flyte"');
    return c.json(mapped.body, mapped.status);
  });
  return app;
}
