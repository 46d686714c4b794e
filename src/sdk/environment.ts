// TaskEnvironment: the settings a group of tasks shares (image, resources, env vars, secrets, cache default,
// reuse policy) and the factory of those tasks. Options are validated when the environment is created.
import { InvalidOptionError } from "../errors/index.js";
import { processGlobal } from "../engine/index.js";
import { normalizeCache, type Cache } from "./cache-policy.js";
import { Image } from "./image.js";
import { checkKnownKeys, checkName, checkPlainObject, optionField } from "./option-checks.js";
import { checkEnvVars, checkInstance } from "./option-values.js";
import { Resources } from "./resources.js";
import { ReusePolicy } from "./reuse-policy.js";
import { Secret } from "./secret.js";
import { createTask, type Task, type TaskOptions } from "./task.js";

/** Options of `new TaskEnvironment(...)`. */
export interface TaskEnvironmentOptions {
  /** Required; lowercase letters, digits, `-` and `_`; unique per project. */
  name: string;
  /** An Image builder or an image reference string. */
  image?: Image | string;
  resources?: Resources;
  /** Environment variables for the tasks' processes. */
  env?: Record<string, string>;
  secrets?: ReadonlyArray<string | Secret>;
  /** Default cache policy of the environment's tasks ("disable" unless set). */
  cache?: "auto" | "override" | "disable" | boolean | Cache;
  cacheVersion?: string;
  reusable?: ReusePolicy;
  /** Environments whose tasks this environment's tasks call (deployed together). */
  dependsOn?: readonly TaskEnvironment[];
  triggers?: readonly unknown[];
  description?: string;
}

const ENV_OPTION_KEYS = [
  "name",
  "image",
  "resources",
  "env",
  "secrets",
  "cache",
  "cacheVersion",
  "reusable",
  "dependsOn",
  "triggers",
  "description",
] as const;
const ENV_NAME = /^[a-z0-9_-]+$/;

const environments = processGlobal("environments", () => new Map<string, TaskEnvironment>());

/** The environment defined in this process under `name`, if any. */
export function environmentNamed(name: string): TaskEnvironment | undefined {
  return environments.get(name);
}

/** Names of the environments defined in this process. */
export function environmentNames(): string[] {
  return [...environments.keys()];
}

/**
 * A group of tasks that share an image, resources, env vars, secrets and defaults.
 * @example
 * const env = new flyte.TaskEnvironment({ name: "etl" });
 * export const double = env.task(async function double(x: number) { return x * 2; });
 */
export class TaskEnvironment {
  readonly name: string;
  readonly image: Image | undefined;
  readonly resources: Resources | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly Secret[];
  readonly cache: Cache;
  readonly reusable: ReusePolicy | undefined;
  readonly dependsOn: readonly TaskEnvironment[];
  readonly triggers: readonly unknown[];
  readonly description: string | undefined;
  private readonly tasks = new Map<string, Task>();

  constructor(options: TaskEnvironmentOptions) {
    checkPlainObject(options, "TaskEnvironment options");
    const rawName: unknown = options.name;
    const owner = `TaskEnvironment "${typeof rawName === "string" ? rawName : "?"}"`;
    checkKnownKeys(options, ENV_OPTION_KEYS, owner);
    this.name = checkName(rawName, optionField(owner, "name"), ENV_NAME, "lowercase letters, digits, '-' and '_'");
    this.image = options.image === undefined ? undefined : Image.from(options.image, optionField(owner, "image"));
    this.resources = checkInstance(options.resources, Resources, optionField(owner, "resources"), "new flyte.Resources({ ... })");
    this.env = checkEnvVars(options.env, optionField(owner, "env"));
    this.secrets = (options.secrets ?? []).map((secret, i) => Secret.from(secret, optionField(owner, `secrets[${i}]`)));
    this.cache = normalizeCache(options.cache, options.cacheVersion, owner);
    this.reusable = checkInstance(options.reusable, ReusePolicy, optionField(owner, "reusable"), "new flyte.ReusePolicy({ replicas: ... })");
    this.dependsOn = [...(options.dependsOn ?? [])];
    this.dependsOn.forEach((dep, i) => checkInstance(dep, TaskEnvironment, optionField(owner, `dependsOn[${i}]`), "a TaskEnvironment"));
    this.triggers = [...(options.triggers ?? [])];
    this.description = options.description;
    const existing = environments.get(this.name);
    if (existing) {
      throw new InvalidOptionError(
        `${owner}: an environment with this name is already defined in this process; environment names must be unique — rename one of them`,
      );
    }
    environments.set(this.name, this);
  }

  /**
   * Defines a task of this environment. Pass options first when needed.
   * @example env.task({ retries: 3, cache: "auto" }, async function fetchPage(url: string) { ... })
   */
  // Generic over the whole function type (not its parameter tuple) so that parameters keep the types of
  // their default values: `function f(n = 2)` types `n` as number instead of taking it from an unsolved tuple.
  task<F extends (...args: any[]) => unknown>(fn: F): Task<Parameters<F>, ReturnType<F>>;
  task<F extends (...args: any[]) => unknown>(options: TaskOptions, fn: F): Task<Parameters<F>, ReturnType<F>>;
  task<F extends (...args: any[]) => unknown>(first: TaskOptions | F, second?: F): Task<Parameters<F>, ReturnType<F>> {
    const [options, fn] = typeof first === "function" ? [{}, first] : [first, second];
    const task = createTask(
      {
        envName: this.name,
        cache: this.cache,
        resources: this.resources,
        secrets: this.secrets,
        env: this.env,
        reusable: this.reusable,
      },
      options,
      fn as (...args: Parameters<F>) => ReturnType<F>,
    );
    if (this.tasks.has(task.taskName)) {
      throw new InvalidOptionError(
        `Task "${task.id}" is defined twice in TaskEnvironment "${this.name}"; give one of them another name ({ name: "..." })`,
      );
    }
    this.tasks.set(task.taskName, task as Task);
    return task;
  }

  /** The tasks defined in this environment, by name. */
  get taskMap(): ReadonlyMap<string, Task> {
    return this.tasks;
  }
}
