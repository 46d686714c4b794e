// remote.Task.get: a deployed task by name, without its source. The handle is lazy and callable: inside a task,
// calling it makes a child action whose code the server finds in its deploy registry (the latest version at call
// time unless one is pinned); flyte.run(handle, ...args) starts a run of it on the server; fetch() reads what
// the server knows (version, interface) and is where "no such task" surfaces before any run.
import type { TaskReference, TaskTemplate } from "../../engine/index.js";
import { currentFrame, SCOPE_PATTERN, TASK_ID_PATTERN } from "../../engine/index.js";
import { VERSION_PATTERN } from "../../deploy/deployment.js";
import { InvalidInputError, InvalidOptionError } from "../../errors/index.js";
import type { ApiDeployedTask } from "../../server/index.js";
import { clientFor, currentSettings } from "../config.js";
import { checkKnownKeys, checkName, checkPlainObject, optionField } from "../option-checks.js";
import { registerTaskHandle, type Task as SdkTask } from "../task.js";

/** Options of {@link Task.get}. */
export interface TaskGetOptions {
  /** The task's id, `env.task`. */
  name: string;
  /** Default: the calling run's project inside a task, else flyte.init's. */
  project?: string;
  domain?: string;
  /** A deployed version; the latest (most recently deployed) when omitted. */
  version?: string;
}

/** A deployed task as the server describes it. */
export type DeployedTaskInfo = ApiDeployedTask;

/** A deployed task looked up by name: call it inside a task, or start it with flyte.run. */
export interface RemoteTask<A extends unknown[] = unknown[], R = unknown> extends SdkTask<A, R> {
  /** The version asked for; undefined means the latest at the time of each call. */
  readonly version: string | undefined;
  /** What the server knows about the task (the latest or the pinned version). @throws DeployedTaskNotFoundError */
  fetch(): Promise<DeployedTaskInfo>;
}

const GET_KEYS = ["name", "project", "domain", "version"] as const;

/** Deployed tasks (flyte deploy), looked up by name. */
export const Task = {
  /**
   * A deployed task by id. Nothing is fetched until it is called, run or fetched, so a module may look tasks up
   * at its top level.
   * @example
   * const train = remote.Task.get<[string], number>({ name: "ml.train" });
   * export const main = env.task(async function main(data: string) { return train(data); });
   */
  get<A extends unknown[] = unknown[], R = unknown>(options: TaskGetOptions): RemoteTask<A, R> {
    checkPlainObject(options, "remote.Task.get options");
    checkKnownKeys(options, GET_KEYS, "remote.Task.get");
    const owner = "remote.Task.get";
    const id = checkName(options.name, optionField(owner, "name"), TASK_ID_PATTERN, 'a task id "env.task" (see flyte get task)');
    const reference: TaskReference = {
      project: options.project === undefined ? undefined : checkName(options.project, optionField(owner, "project"), SCOPE_PATTERN, "a project name"),
      domain: options.domain === undefined ? undefined : checkName(options.domain, optionField(owner, "domain"), SCOPE_PATTERN, "a domain name"),
      version: options.version === undefined ? undefined : checkName(options.version, optionField(owner, "version"), VERSION_PATTERN, 'a version: letters, digits, ".", "_" and "-"'),
    };
    return remoteTask<A, R>(id, reference);
  },
};

function remoteTask<A extends unknown[], R>(id: string, reference: TaskReference): RemoteTask<A, R> {
  const dot = id.indexOf(".");
  const template: TaskTemplate = {
    id,
    name: id.slice(dot + 1),
    envName: id.slice(0, dot),
    fn: () => {
      throw new InvalidInputError(`task ${id} is a deployed task (remote.Task.get): it runs on a Flyte server; run the calling task there (flyte run --endpoint URL …)`);
    },
    inputNames: [],
    retries: { count: 0, delayMs: () => 0 },
    timeout: { maxRuntimeMs: null, maxQueuedMs: null },
    cache: { behavior: "disable" },
    report: false,
    codeHash: "",
    interfaceHash: "",
    placement: { reusable: null, cpu: 0, memoryBytes: 0, memoryLimitBytes: null, envVars: {}, secrets: [] },
    reference,
  };
  const call = (...args: A): Promise<Awaited<R>> => {
    const frame = currentFrame();
    if (!frame) {
      return Promise.reject(
        new InvalidOptionError(`remote task ${id} was called outside a task; start a run of it with flyte.run(task, ...args) after flyte.init({ endpoint })`),
      );
    }
    return frame.run.controller.submit(frame, template, args) as Promise<Awaited<R>>;
  };
  Object.defineProperty(call, "name", { value: template.name });
  const handle = Object.assign(call, {
    taskName: template.name,
    id,
    envName: template.envName,
    resources: undefined,
    secrets: [],
    docs: undefined,
    version: reference.version,
    withOverrides(): never {
      throw new InvalidOptionError(`remote task ${id}: withOverrides is not supported for deployed tasks; deploy it with other settings instead`);
    },
    async fetch(): Promise<DeployedTaskInfo> {
      const settings = currentSettings();
      if (settings.endpoint === undefined) {
        throw new InvalidOptionError(`remote task ${id}: deployed tasks live on a Flyte server; call flyte.init({ endpoint }) first`);
      }
      const client = clientFor(settings.endpoint);
      return client.getDeployedTask(id, {
        project: reference.project ?? settings.project,
        domain: reference.domain ?? settings.domain,
        version: reference.version,
      });
    },
  }) as unknown as RemoteTask<A, R>;
  registerTaskHandle(handle, template);
  return handle;
}
