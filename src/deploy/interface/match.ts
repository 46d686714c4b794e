// Which extracted interface belongs to which task. Interfaces are read per exported name from the source; tasks
// are known by id (`env.task`) at run time. They meet on the task's own name, and a name that two tasks (in two
// environments) or two interfaces share is left unmatched rather than guessed.
import type { TaskInterface } from "./types.js";

/** The interface of each task whose name identifies exactly one task and one interface, by task id. */
export function interfacesById(tasks: Iterable<{ readonly id: string; readonly name: string }>, interfaces: readonly TaskInterface[]): Map<string, TaskInterface> {
  const all = [...tasks];
  const byId = new Map<string, TaskInterface>();
  for (const task of all) {
    const matching = interfaces.filter((known) => known.taskName === task.name);
    const named = all.filter((other) => other.name === task.name);
    if (matching.length === 1 && named.length === 1) byId.set(task.id, matching[0]!);
  }
  return byId;
}
