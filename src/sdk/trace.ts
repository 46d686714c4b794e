// flyte.trace: a checkpoint inside a task. Each call of a traced function is recorded as a TRACE action with
// its inputs and output; when the task runs again (resume, retry) the same call in the same order returns the
// recorded output instead of running again. Outside a run the function is simply called.
import { InvalidOptionError } from "../errors/index.js";
import { currentFrame } from "../engine/index.js";

/**
 * Wraps `fn` so each call inside a task is checkpointed.
 * @example const callModel = flyte.trace(async function callModel(prompt: string) { ... });
 */
export function trace<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<Awaited<R>>;
export function trace<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => Promise<Awaited<R>>;
export function trace<A extends unknown[], R>(
  first: string | ((...args: A) => R),
  second?: (...args: A) => R,
): (...args: A) => Promise<Awaited<R>> {
  const fn = typeof first === "function" ? first : second;
  const name = typeof first === "string" ? first : fn?.name;
  if (typeof fn !== "function") {
    throw new InvalidOptionError(`flyte.trace expects a function, got ${typeof fn}; write flyte.trace(async function name(...) { ... })`);
  }
  if (!name) {
    throw new InvalidOptionError(
      'flyte.trace: the traced function has no name, and the name identifies its records; use a named function or flyte.trace("name", fn)',
    );
  }
  const traced = async (...args: A): Promise<Awaited<R>> => {
    const frame = currentFrame();
    if (!frame) return await fn(...args);
    return (await frame.run.controller.trace(frame, name, fn as (...args: unknown[]) => unknown, args)) as Awaited<R>;
  };
  Object.defineProperty(traced, "name", { value: name });
  return traced;
}
