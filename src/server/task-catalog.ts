// Which tasks the server can run, and from which module. Two kinds: in-process (the files given with --load are
// imported into the server itself; for tests and small setups) and in workers (the server never imports user
// code: worker processes load each module — a --load file or an uploaded bundle — and report its tasks).
import path from "node:path";
import type { TaskTemplate } from "../engine/index.js";
import type { ProcessExecutor } from "../executor/process-executor.js";
import { ApiError } from "./api-error.js";
import type { CodeStore } from "./code-store.js";

/** The run label that names the module a run's tasks come from, so a restarted server can load it again. */
export const MODULE_LABEL = "flyte.module";

export interface FoundTask {
  readonly task: TaskTemplate;
  /** The module that defines it, when it runs in workers (recorded on the run for recovery). */
  readonly module: string | undefined;
}

export interface TaskCatalog {
  /** Tasks of the files the server was started with (GET /v1/tasks). */
  list(): readonly TaskTemplate[];
  /** A task by id: from an uploaded bundle when `code` is given, else from the loaded files. */
  find(id: string, code?: string): Promise<FoundTask | undefined>;
  /** The tasks of a module a run recorded, by id (to resume the run after a restart). */
  resolver(module: string | undefined): Promise<(id: string) => TaskTemplate | undefined>;
}

/** Tasks imported into the server's own process. Uploaded code cannot run here (it needs workers). */
export function inProcessCatalog(
  tasks: readonly TaskTemplate[],
  lookup: (id: string) => TaskTemplate | undefined,
  code?: CodeStore,
): TaskCatalog {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const find = (id: string): TaskTemplate | undefined => byId.get(id) ?? lookup(id);
  return {
    list: () => tasks,
    find: (id, hash) => {
      if (hash !== undefined) {
        code?.pathOf(hash); // an unknown bundle is CODE_NOT_FOUND, as on a server with workers
        throw new ApiError(400, "CODE_NEEDS_WORKERS", "this server runs tasks in its own process (--in-process), so it cannot run uploaded code; start it without --in-process", "code");
      }
      const task = find(id);
      return Promise.resolve(task ? { task, module: undefined } : undefined);
    },
    resolver: () => Promise.resolve(find),
  };
}

/** Tasks loaded by worker processes from the --load files and from uploaded bundles. */
export async function workerCatalog(executor: ProcessExecutor, files: readonly string[], code: CodeStore): Promise<TaskCatalog> {
  const modules = files.map((file) => path.resolve(file));
  const loaded = await Promise.all(modules.map((module) => executor.load(module)));
  const listed = new Map<string, { task: TaskTemplate; module: string }>();
  loaded.forEach((tasks, i) => {
    for (const task of tasks.values()) if (!listed.has(task.id)) listed.set(task.id, { task, module: modules[i] ?? "" });
  });
  const tasks = [...listed.values()].map((entry) => entry.task);
  return {
    list: () => tasks,
    async find(id, hash) {
      if (hash === undefined) return listed.get(id);
      const module = code.pathOf(hash);
      const task = (await executor.load(module)).get(id);
      return task ? { task, module } : undefined;
    },
    async resolver(module) {
      if (module === undefined) return (id) => listed.get(id)?.task;
      const tasks = await executor.load(module);
      return (id) => tasks.get(id);
    },
  };
}
