// The authoring API part: environments, tasks, and what task code calls while it runs.
export { Cache, type CacheBehavior, type CacheOptions } from "./cache-policy.js";
export { applyConfig, init, initFromConfig, localEngine, shutdown, type InitOptions } from "./config.js";
export { CONFIG_DIR, CONFIG_FILE, findConfigFile, loadConfig, writeConfig, type ConfigValues, type FlyteConfig } from "./config-file.js";
export { ctx, type TaskContext } from "./context.js";
export { TaskEnvironment, environmentNamed, environmentNames, type TaskEnvironmentOptions } from "./environment.js";
export { group } from "./group.js";
export { Image } from "./image.js";
export { map, type MapOptions } from "./map.js";
export { report, type ReportTab } from "./report.js";
export { Resources, type ResourcesOptions } from "./resources.js";
export { ReusePolicy, type ReusePolicyOptions } from "./reuse-policy.js";
export { Run, resume, run, withRunContext, type RunContext, type RunContextOptions } from "./run.js";
export { remoteClient, remoteInputs, startRemoteRun, type RemoteRunRequest } from "./remote-run.js";
export { taskSourceFile } from "./task-source.js";
export { Secret, type SecretOptions } from "./secret.js";
export { declareTaskInterface, registeredTask, taskTemplateOf, type Task, type TaskOptions, type TaskOverrides } from "./task.js";
export { trace } from "./trace.js";
