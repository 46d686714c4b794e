// The server part's only import point: the HTTP API over the engine (createApi) and the Node server around it
// (startServer). Only the CLI's `flyte start server` imports it.
export { createApi, MAX_BODY_BYTES, VERSION, type ApiOptions } from "./app.js";
export { ApiError, type ApiErrorBody } from "./api-error.js";
export { CodeStore, type CodeManifest, type CodeUpload } from "./code-store.js";
export { openApiDocument } from "./openapi.js";
export type { ApiSecret } from "./routes-secrets.js";
export { SecretStore, SECRET_NAME, SECRET_SCOPE, SECRETS_KEY_ENV, type SecretInfo, type SecretRef, type SecretScope, type SecretStoreOptions } from "./secret-store.js";
export { MODULE_LABEL, inProcessCatalog, workerCatalog, type TaskCatalog } from "./task-catalog.js";
export { sqliteOptions, startServer, TOKEN_FILE, type RunningServer, type ServerOptions } from "./serve.js";
export type { ApiAction, ApiAttempt, ApiDeployedTask, ApiLog, ApiRun, ApiTask } from "./views.js";
export { WatchHub, WATCH_INTERVAL_MS } from "./watch-hub.js";
