// Checks a run's inputs against the task's TypeScript-derived interface before anything is queued, the way the CLI
// checks its flags: a missing input, an extra one or a value of the wrong shape is a 400 naming the input, the
// path inside it, what was expected and what was found. Values arrive in the codec's form; they are decoded and
// brought back to the JSON shape the schemas describe (Date → ISO text, bigint → digits, bytes → base64, Map →
// entries, Set → array, File/Dir/DataFrame → URI) for validation.
import type { InputSpec } from "../deploy/interface/index.js";
import { validateValue } from "../deploy/interface/schema-validator.js";
import { invalidField } from "./api-error.js";

/** Throws a 400 for the first input of `args` (decoded) that `inputs` does not accept. */
export function checkTaskInputs(taskId: string, inputs: readonly InputSpec[], args: readonly unknown[]): void {
  const hasRest = inputs.some((input) => input.rest);
  if (!hasRest && args.length > inputs.length) {
    throw invalidField(
      `inputs[${inputs.length}]`,
      `task ${taskId} takes ${inputs.length} input(s) (${inputs.map((i) => i.name).join(", ") || "none"}), got ${args.length}`,
    );
  }
  inputs.forEach((input, i) => {
    if (input.rest) return;
    const value = args[i];
    const field = `inputs[${i}]`;
    if (value === undefined) {
      if (input.optional || input.hasDefault) return;
      throw invalidField(field, `task ${taskId} needs the input "${input.name}" (${input.typeText})`);
    }
    const problem = validateValue(input.schema, schemaShape(value));
    if (!problem) return;
    const where = problem.path === "" ? "" : ` at ${problem.path}`;
    const found = problem.found === undefined ? "" : `, got ${problem.found}`;
    throw invalidField(field, `input "${input.name}" of task ${taskId}${where}: expected ${problem.expected}${found}`);
  });
}

/** A runtime value in the JSON shape its schema describes. */
export function schemaShape(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Map) return [...value].map(([k, v]) => [schemaShape(k), schemaShape(v)]);
  if (value instanceof Set) return [...value].map(schemaShape);
  if (Array.isArray(value)) return value.map(schemaShape);
  const uri = (value as { uri?: unknown }).uri;
  if (Object.getPrototypeOf(value) !== Object.prototype && typeof uri === "string") return uri;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    Object.defineProperty(out, key, { value: schemaShape(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
