// A task: an ordinary function wrapped so that, inside a run, each call becomes a child action submitted to
// the run's controller, and outside any run it is just the function. Options are validated here, when the
// task is defined, so a typo fails at import time rather than in the middle of a run.
import { InvalidOptionError } from "../errors/index.js";
import { currentFrame, processGlobal, type TaskPlacement, type TaskTemplate } from "../engine/index.js";
import { hashText } from "../io/index.js";
import { normalizeCache, type Cache } from "./cache-policy.js";
import { checkKnownKeys, checkName, checkPlainObject, optionField } from "./option-checks.js";
import { checkEnvVars, checkInstance } from "./option-values.js";
import { parameterNames } from "./parameter-names.js";
import { Resources } from "./resources.js";
import type { ReusePolicy } from "./reuse-policy.js";
import { normalizeRetries, type RetriesOption } from "./retry-policy.js";
import { Secret } from "./secret.js";
import { captureTaskSource } from "./task-source.js";
import { normalizeTimeout, type TimeoutOption } from "./timeout-policy.js";

/** Options of `env.task(options, fn)`. */
export interface TaskOptions {
  /** Task name (defaults to the function's name); a valid identifier, unique within its environment. */
  name?: string;
  /** "auto" | "override" (with `cacheVersion`) | "disable" (default: the environment's) | a `Cache`. */
  cache?: "auto" | "override" | "disable" | boolean | Cache;
  cacheVersion?: string;
  /** Retries after a user error: a count, or `{ count, backoff }`. */
  retries?: RetriesOption;
  /** Max runtime per attempt: ms, "30s"/"10m"/"1h", or `{ maxRuntime, maxQueued }`. */
  timeout?: TimeoutOption;
  /** The task renders an HTML report with `flyte.report`. */
  report?: boolean;
  resources?: Resources;
  secrets?: ReadonlyArray<string | Secret>;
  /** Environment variables for the task's process (applies when tasks run in workers). */
  env?: Record<string, string>;
  docs?: string;
}

/** Options accepted by `task.withOverrides(...)`. */
export type TaskOverrides = Pick<TaskOptions, "name" | "cache" | "cacheVersion" | "retries" | "timeout" | "resources" | "env">;

/** What a task inherits from its environment. */
export interface TaskDefaults {
  readonly envName: string;
  readonly cache: Cache;
  readonly resources: Resources | undefined;
  readonly secrets: readonly Secret[];
  readonly env: Readonly<Record<string, string>>;
  readonly reusable: ReusePolicy | undefined;
}

/**
 * A task: call it like the function it wraps. Inside a run each call is a child action (recorded, retried,
 * cached); outside a run it runs the plain function. Always returns a Promise.
 */
export interface Task<A extends unknown[] = any[], R = unknown> {
  (...args: A): Promise<Awaited<R>>;
  /** The task's name within its environment. */
  readonly taskName: string;
  /** `envName.taskName`. */
  readonly id: string;
  readonly envName: string;
  readonly resources: Resources | undefined;
  readonly secrets: readonly Secret[];
  readonly docs: string | undefined;
  /** A copy of this task with some options replaced. */
  withOverrides(overrides: TaskOverrides): Task<A, R>;
}

const TASK_OPTION_KEYS = [
  "name",
  "cache",
  "cacheVersion",
  "retries",
  "timeout",
  "report",
  "resources",
  "secrets",
  "env",
  "docs",
] as const;
const OVERRIDE_KEYS = ["name", "cache", "cacheVersion", "retries", "timeout", "resources", "env"] as const;
const TASK_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const templates = processGlobal("task-templates", () => new WeakMap<object, TaskTemplate>());

/** The engine-facing template of a task, or undefined when `value` is not a task. */
export function taskTemplateOf(value: unknown): TaskTemplate | undefined {
  return (typeof value === "function" && templates.get(value)) || undefined;
}

/** Makes `handle` a task to taskTemplateOf (flyte.run accepts it) without defining a task in this process. */
export function registerTaskHandle(handle: object, template: TaskTemplate): void {
  templates.set(handle, template);
}

export function createTask<A extends unknown[], R>(
  defaults: TaskDefaults,
  options: TaskOptions,
  fn: (...args: A) => R,
): Task<A, R> {
  const envLabel = `TaskEnvironment "${defaults.envName}"`;
  if (typeof fn !== "function") {
    throw new InvalidOptionError(`${envLabel}: env.task expects a function, got ${typeof fn}; write env.task(async function name(...) { ... })`);
  }
  checkPlainObject(options, `${envLabel}: task options`);
  const rawName = options.name ?? fn.name;
  if (!rawName) {
    throw new InvalidOptionError(
      `${envLabel}: the task function has no name; pass { name: "..." } as the first argument or use a named function`,
    );
  }
  const owner = `Task "${defaults.envName}.${rawName}"`;
  checkKnownKeys(options, TASK_OPTION_KEYS, owner);
  const name = checkName(rawName, optionField(owner, "name"), TASK_NAME, "a valid identifier (letters, digits, _; not starting with a digit)");
  const resources = checkInstance(options.resources, Resources, optionField(owner, "resources"), "new flyte.Resources({ ... })");
  const secrets = (options.secrets ?? []).map((secret, i) => Secret.from(secret, optionField(owner, `secrets[${i}]`)));
  if (options.report !== undefined && typeof options.report !== "boolean") {
    throw new InvalidOptionError(`${optionField(owner, "report")}: got ${JSON.stringify(options.report)}; expected true or false.`);
  }
  const env = { ...defaults.env, ...checkEnvVars(options.env, optionField(owner, "env")) };
  const inputNames = parameterNames(fn as (...args: any[]) => unknown);
  const source = Function.prototype.toString.call(fn);
  const runtimeInterfaceHash = hashText(inputNames.join(","));
  const effectiveResources = resources ?? defaults.resources;
  const template: TaskTemplate = {
    id: `${defaults.envName}.${name}`,
    name,
    envName: defaults.envName,
    fn: fn as (...args: any[]) => unknown,
    inputNames,
    retries: normalizeRetries(options.retries, owner),
    timeout: normalizeTimeout(options.timeout, owner),
    cache:
      options.cache === undefined && options.cacheVersion === undefined
        ? defaults.cache
        : normalizeCache(options.cache, options.cacheVersion, owner),
    report: options.report ?? false,
    codeHash: hashText(source),
    // The TypeScript-derived interface (declared by the CLI) wins over the parameter names read at runtime.
    get interfaceHash(): string {
      return declaredInterfaces.get(this.id) ?? runtimeInterfaceHash;
    },
    placement: placementOf(defaults.reusable, effectiveResources, env, [...defaults.secrets, ...secrets]),
  };
  const merged = { ...defaults, env, resources: effectiveResources, secrets: [...defaults.secrets, ...secrets] };
  return wrap(template, merged, options);
}

function wrap<A extends unknown[], R>(template: TaskTemplate, defaults: TaskDefaults, options: TaskOptions): Task<A, R> {
  const call = function (...args: A): Promise<Awaited<R>> {
    const frame = currentFrame();
    if (!frame) {
      try {
        return Promise.resolve(template.fn(...args) as R);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return frame.run.controller.submit(frame, template, args) as Promise<Awaited<R>>;
  };
  Object.defineProperty(call, "name", { value: template.name });
  const task = Object.assign(call, {
    taskName: template.name,
    id: template.id,
    envName: template.envName,
    resources: defaults.resources,
    secrets: defaults.secrets,
    docs: options.docs,
    withOverrides(overrides: TaskOverrides): Task<A, R> {
      const owner = `Task "${template.id}"`;
      checkPlainObject(overrides, `${owner}: withOverrides`);
      checkKnownKeys(overrides, OVERRIDE_KEYS, `${owner}: withOverrides`);
      const merged: TaskOptions = { ...options, ...overrides };
      if (overrides.cache !== undefined && overrides.cacheVersion === undefined) delete merged.cacheVersion;
      return createTask(defaults, merged, template.fn as (...args: A) => R);
    },
  }) as Task<A, R>;
  templates.set(task, template);
  captureTaskSource(task);
  registerTemplate(template);
  return task;
}

function placementOf(
  reusable: ReusePolicy | undefined,
  resources: Resources | undefined,
  envVars: Record<string, string>,
  secrets: readonly Secret[],
): TaskPlacement {
  return Object.freeze({
    reusable: reusable
      ? { minReplicas: reusable.minReplicas, maxReplicas: reusable.maxReplicas, concurrency: reusable.concurrency, idleTtlMs: reusable.idleTtlMs }
      : null,
    cpu: resources?.cpu?.request ?? 0,
    memoryBytes: resources?.memory?.request ?? 0,
    memoryLimitBytes: resources?.memory?.limit ?? null,
    envVars: Object.freeze({ ...envVars }),
    secrets: Object.freeze(secrets.map((secret) => ({ key: secret.key, group: secret.group, asEnvVar: secret.asEnvVar, mountPath: secret.mountPath }))),
  });
}

const registry = processGlobal("task-registry", () => new Map<string, TaskTemplate>());
const declaredInterfaces = processGlobal("task-interfaces", () => new Map<string, string>());

/**
 * Records the hash of a task's interface as derived from its TypeScript signature (names and JSON Schema of
 * inputs and output). It becomes part of the task's cache keys, so changing a parameter's type invalidates them.
 */
export function declareTaskInterface(taskId: string, interfaceHash: string): void {
  declaredInterfaces.set(taskId, interfaceHash);
}

/** Tasks defined in this process, by `envName.taskName` (used to resume a run). */
export function registeredTask(id: string): TaskTemplate | undefined {
  return registry.get(id);
}

/** Every task defined in this process so far, by id. */
export function registeredTasks(): ReadonlyMap<string, TaskTemplate> {
  return registry;
}

function registerTemplate(template: TaskTemplate): void {
  // The first definition of an id is the one runs resume with; overrides keep their base's identity.
  if (!registry.has(template.id)) registry.set(template.id, template);
}
