// Which tasks the server can run, and from which module. Two kinds: in-process (the files given with --load are
// imported into the server itself; for tests and small setups) and in workers (the server never imports user
// code: worker processes load each module — the bundle of a --load file, or an uploaded one — and report its tasks).
import path from "node:path";
import type { TaskTemplate } from "../engine/index.js";
import { bundleEntry } from "../deploy/bundle.js";
import { extractInterfaces, interfacesById, type InputSpec, type TaskInterface } from "../deploy/interface/index.js";
import type { ModuleRef, ProcessExecutor } from "../executor/process-executor.js";
import { ApiError } from "./api-error.js";
import type { CodeStore } from "./code-store.js";

/** The run label that names the code bundle a run's tasks come from, so a restarted server can load it again. */
export const MODULE_LABEL = "flyte.code";

export interface FoundTask {
  readonly task: TaskTemplate;
  /** The hash of the code bundle that defines it, when it runs in workers (recorded on the run for recovery). */
  readonly module: string | undefined;
  /** Its inputs from the TypeScript signature, when known: a run's inputs are checked against them. */
  readonly inputs?: readonly InputSpec[] | undefined;
}

export interface TaskCatalog {
  /** Tasks of the files the server was started with (GET /v1/tasks). */
  list(): readonly TaskTemplate[];
  /** A task by id: from an uploaded bundle when `code` is given, else from the loaded files. */
  find(id: string, code?: string): Promise<FoundTask | undefined>;
  /** Every task an uploaded code bundle defines, by id (loaded by a worker; to check a deploy). */
  moduleTasks(code: string): Promise<ReadonlyMap<string, TaskTemplate>>;
  /** The tasks of the code bundle a run recorded, by id (to resume the run after a restart). */
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
  const refuseCode = (hash: string): never => {
    code?.pathOf(hash); // an unknown bundle is CODE_NOT_FOUND, as on a server with workers
    throw new ApiError(400, "CODE_NEEDS_WORKERS", "this server runs tasks in its own process (--in-process), so it cannot run uploaded or deployed code; start it without --in-process", "code");
  };
  return {
    list: () => tasks,
    find: (id, hash) => {
      if (hash !== undefined) refuseCode(hash);
      const task = find(id);
      return Promise.resolve(task ? { task, module: undefined } : undefined);
    },
    moduleTasks: (hash) => Promise.resolve(refuseCode(hash)),
    resolver: () => Promise.resolve(find),
  };
}

/**
 * Tasks loaded by worker processes. The --load files are bundled into the code store at start, exactly like an
 * upload, so every module is a bundle named by its hash: a restarted server, or a worker on another host, can
 * always get it again.
 */
export async function workerCatalog(
  executor: ProcessExecutor,
  files: readonly string[],
  code: CodeStore,
  interfaceCacheDir: string,
  log: (line: string) => void,
): Promise<TaskCatalog> {
  const moduleOf = (hash: string): ModuleRef => ({ hash, path: code.pathOf(hash), externals: code.manifest(hash).externals });
  const absolutes = files.map((file) => path.resolve(file));
  const modules: ModuleRef[] = [];
  for (const absolute of absolutes) {
    const bundle = await bundleEntry(absolute, { cwd: path.dirname(absolute) });
    await code.put(bundle);
    modules.push(moduleOf(bundle.hash));
  }
  const loaded = await Promise.all(modules.map((module) => executor.load(module)));
  const listed = new Map<string, FoundTask>();
  for (const [i, tasks] of loaded.entries()) {
    const hash = modules[i]?.hash ?? "";
    const byId = inputsOf(tasks, await interfacesOf(absolutes[i] ?? "", interfaceCacheDir, log));
    if (Object.keys(byId).length > 0) await code.addInterfaces(hash, byId);
    for (const task of tasks.values()) if (!listed.has(task.id)) listed.set(task.id, { task, module: hash, inputs: byId[task.id] });
  }
  const tasks = [...listed.values()].map((entry) => entry.task);
  return {
    list: () => tasks,
    async find(id, hash) {
      if (hash === undefined) return listed.get(id);
      const task = (await executor.load(moduleOf(hash))).get(id);
      return task ? { task, module: hash, inputs: code.manifest(hash).interfaces?.[id] } : undefined;
    },
    moduleTasks: (hash) => executor.load(moduleOf(hash)),
    async resolver(hash) {
      if (hash === undefined) return (id) => listed.get(id)?.task;
      const tasks = await executor.load(moduleOf(hash));
      return (id) => tasks.get(id);
    },
  };
}

/** The interfaces of a file's exported tasks; a file whose signatures cannot be read is run unchecked. */
async function interfacesOf(file: string, cacheDir: string, log: (line: string) => void): Promise<TaskInterface[]> {
  try {
    return (await extractInterfaces(file, { cacheDir })).tasks;
  } catch (error) {
    log(`the inputs of runs of ${file} are not checked: its task signatures could not be read (${(error as Error).message})`);
    return [];
  }
}

/** The inputs of a module's tasks by id (see interfacesById: an ambiguous name stays unchecked). */
function inputsOf(tasks: ReadonlyMap<string, TaskTemplate>, interfaces: readonly TaskInterface[]): Record<string, InputSpec[]> {
  const byId: Record<string, InputSpec[]> = {};
  for (const [id, known] of interfacesById(tasks.values(), interfaces)) byId[id] = known.inputs;
  return byId;
}
