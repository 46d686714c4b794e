// flyte.group: actions started inside `fn` belong to a named group (shown together in the UI; part of their
// deterministic names). Groups nest as "outer/inner". Outside a run `fn` is simply called.
import { InvalidOptionError } from "../errors/index.js";
import { currentFrame, runInFrame } from "../engine/index.js";

/**
 * Runs `fn` with every action it starts recorded in the group `name`.
 * @example const scores = await flyte.group("evaluate", () => Promise.all(models.map((m) => evaluate(m))));
 */
export async function group<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new InvalidOptionError(`flyte.group: the group name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  const frame = currentFrame();
  if (!frame) return await fn();
  const path = frame.group ? `${frame.group}/${name}` : name;
  return await runInFrame({ ...frame, group: path }, fn);
}
