/**
 * Flyte for TypeScript: typed tasks grouped in environments; a workflow is a task that awaits other tasks.
 *
 * @example
 * import * as flyte from "flyte";
 * const env = new flyte.TaskEnvironment({ name: "hello" });
 * export const double = env.task(async function double(x: number) { return x * 2; });
 * export const main = env.task(async function main(xs: number[]) {
 *   return (await Promise.all(xs.map((x) => double(x)))).reduce((a, b) => a + b, 0);
 * });
 * const run = await flyte.run(main, [1, 2, 3]);
 * console.log(await run.outputs()); // 12
 *
 * @module
 */
export {
  Cache,
  Image,
  Resources,
  ReusePolicy,
  Run,
  Secret,
  TaskEnvironment,
  ctx,
  deploy,
  group,
  init,
  initFromConfig,
  map,
  report,
  resume,
  run,
  shutdown,
  trace,
  withRunContext,
} from "./sdk/index.js";
export type {
  FlyteConfig,
  CacheBehavior,
  CacheOptions,
  DeployOptions,
  DeploymentResult,
  InitOptions,
  MapOptions,
  ReportTab,
  ResourcesOptions,
  ReusePolicyOptions,
  RunContext,
  RunContextOptions,
  SecretOptions,
  Task,
  TaskContext,
  TaskEnvironmentOptions,
  TaskOptions,
  TaskOverrides,
} from "./sdk/index.js";
export { registerCodec } from "./io/index.js";
export type { ActionPhase, ActionRecord, LogRecord } from "./store/index.js";
export * as errors from "./errors/public.js";
