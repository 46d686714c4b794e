// Loads the user's TypeScript file with tsx (no build step) and finds a task in it by export or task name.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { taskTemplateOf, type Task } from "../sdk/index.js";
import { UsageError } from "./inputs/index.js";

const TSX_REGISTERED = Symbol.for("flyte.tsx-registered");

async function ensureTsx(): Promise<void> {
  const global = globalThis as Record<symbol, unknown>;
  if (global[TSX_REGISTERED]) return;
  const { register } = await import("tsx/esm/api");
  register();
  global[TSX_REGISTERED] = true;
}

/** Imports `file` (TypeScript or JavaScript) and returns its exports. */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new UsageError(`file ${file} does not exist`);
  await ensureTsx();
  try {
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`could not load ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The task exported as `name`, or the exported task whose task name is `name`. */
export function findTask(exports: Record<string, unknown>, name: string, file: string): Task {
  const direct = exports[name];
  if (taskTemplateOf(direct)) return direct as Task;
  const byTaskName = Object.values(exports).find((value) => taskTemplateOf(value)?.name === name);
  if (byTaskName) return byTaskName as Task;
  const available = exportedTasks(exports).map(([exportName]) => exportName);
  throw new UsageError(
    `${file} has no task named "${name}"; ` +
      (available.length > 0 ? `its tasks are: ${available.join(", ")}` : "it exports no tasks (export const t = env.task(...))"),
  );
}

/** The module's exported tasks as [export name, task] pairs. */
export function exportedTasks(exports: Record<string, unknown>): Array<[string, Task]> {
  return Object.entries(exports).filter(([, value]) => taskTemplateOf(value) !== undefined) as Array<[string, Task]>;
}
