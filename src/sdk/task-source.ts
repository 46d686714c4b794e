// Which file defined a task: a remote flyte.run bundles that file and ships it to the server. The call site is
// captured when the task is defined (a structured stack, formatted only if someone asks) and read back as the
// first stack frame outside this package's own source files.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { processGlobal } from "../process-global.js";

/** The folder holding this package's own modules (src/ when run from source, dist/ when built). */
const OWN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Frames deeper than this are never the definition site (user file → env.task → createTask → here). */
const STACK_DEPTH = 30;

const sites = processGlobal("task-sources", () => new WeakMap<object, { stack?: string }>());
const files = new WeakMap<object, string | null>();

/** Remembers where `task` is being defined; call it from the code that creates the task. */
export function captureTaskSource(task: object): void {
  const site: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_DEPTH;
  // V8 formats the captured frames lazily, on the first read of `stack`: defining a task stays cheap.
  Error.captureStackTrace(site, captureTaskSource);
  Error.stackTraceLimit = limit;
  sites.set(task, site);
}

/**
 * The absolute path of the file whose code defined `task` (called `env.task(...)` or `withOverrides`), or
 * undefined when it is not known (not a task, or defined by code evaluated without a file).
 */
export function taskSourceFile(task: object): string | undefined {
  const known = files.get(task);
  if (known !== undefined) return known ?? undefined;
  const stack = sites.get(task)?.stack;
  const file = stack === undefined ? undefined : firstOutsideFile(stack);
  files.set(task, file ?? null);
  return file;
}

/** The file of the first frame that is not this package's own module. */
export function firstOutsideFile(stack: string): string | undefined {
  for (const line of stack.split("\n").slice(1)) {
    const file = frameFile(line);
    if (file !== undefined && !isOwnModule(file)) return file;
  }
  return undefined;
}

/** `    at fn (file:///a/b.ts:3:5)` or `    at /a/b.ts:3:5` → `/a/b.ts`; undefined for node: and anonymous frames. */
function frameFile(line: string): string | undefined {
  const match = /(?:\(|\bat (?:async )?)((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/])[^()]*?):\d+:\d+\)?\s*$/.exec(line);
  const location = match?.[1];
  if (location === undefined) return undefined;
  const file = location.startsWith("file://") ? fileURLToPath(location) : location;
  return path.resolve(file);
}

function isOwnModule(file: string): boolean {
  // Tests beside the source define tasks of their own: they count as user files.
  return file.startsWith(OWN_ROOT + path.sep) && !/\.test\.[cm]?[jt]s$/.test(file);
}
