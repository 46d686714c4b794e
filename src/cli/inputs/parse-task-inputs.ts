// parseTaskInputs: a task's `--name value` flags → the positional arguments of its function. Each text is read
// by its schema's kind (verbatim string, strict number, JSON), validated with ajv, then converted to Date,
// bigint, Uint8Array, Map or Set. Nothing runs until every input is valid; every mistake is a UsageError.
import type { InputSpec, JsonSchema, TaskInterface } from "../../deploy/interface/index.js";
import { exampleFlag } from "./examples.js";
import { readFlagValues, type FlagValue } from "./flag-values.js";
import { toRuntimeValue } from "./runtime-value.js";
import { textKind } from "../../deploy/interface/schema-kind.js";
import { validateValue, type ValidationProblem } from "../../deploy/interface/schema-validator.js";
import { UsageError } from "./usage-error.js";

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The positional argument array for the task function; `undefined` where an optional input is absent (so the
 * function's own default applies). A rest input's array is spread at the end.
 * @example parseTaskInputs(main, ["--xs", "[1,2,3]"]) // [[1, 2, 3]]
 */
export function parseTaskInputs(iface: TaskInterface, argv: readonly string[]): unknown[] {
  const values = readFlagValues(iface, argv);
  const missing = iface.inputs.filter((input) => !values.has(input.name) && !input.optional && !input.hasDefault);
  if (missing.length > 0) {
    const list = missing.map((input) => `${exampleFlag(input)}  (${input.typeText})`).join("\n  ");
    const noun = missing.length === 1 ? "input" : "inputs";
    throw new UsageError(`Task ${iface.taskName} is missing required ${noun} ${missing.map((input) => `--${input.name}`).join(", ")}; add:\n  ${list}`);
  }
  const args: unknown[] = [];
  for (const input of iface.inputs) {
    const given = values.get(input.name);
    const value = given ? parseInputValue(input, given) : undefined;
    if (input.rest) args.push(...((value as unknown[] | undefined) ?? []));
    else args.push(value);
  }
  return args;
}

/** One input's value from its flag text. */
export function parseInputValue(input: InputSpec, given: FlagValue): unknown {
  const candidates = readText(input, given);
  let firstProblem: ValidationProblem | undefined;
  for (const candidate of candidates) {
    const problem = validateValue(input.schema, candidate);
    if (!problem) return toRuntimeValue(input.schema, candidate);
    firstProblem ??= problem;
  }
  throw invalid(input, given, describeProblem(input, firstProblem));
}

/** The JSON values the text may stand for, most specific first. */
function readText(input: InputSpec, given: FlagValue): unknown[] {
  const { text } = given;
  const schema: JsonSchema = input.schema;
  switch (textKind(schema)) {
    case "string":
      return [text];
    case "number":
      if (!NUMBER.test(text) || !Number.isFinite(Number(text))) throw invalid(input, given, "it is not a number");
      return [Number(text)];
    case "boolean":
      if (text !== "true" && text !== "false") throw invalid(input, given, "expected true or false");
      return [text === "true"];
    case "null":
      if (text !== "null") throw invalid(input, given, "expected null");
      return [null];
    case "json":
      try {
        return [JSON.parse(text)];
      } catch (error) {
        throw invalid(input, given, `it is not valid JSON (${(error as Error).message})`);
      }
    case "json-or-string": {
      // Unions and `unknown`: `42` is the number 42 when that fits, else the text "42".
      const parsed = parseJson(text);
      return parsed.ok ? [parsed.value, text] : [text];
    }
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function describeProblem(input: InputSpec, problem: ValidationProblem | undefined): string {
  if (!problem) return "it does not match the input's type";
  const where = problem.path === "" ? "" : `at ${input.name}${problem.path}: `;
  const found = problem.found === undefined ? "" : `, got ${truncate(problem.found)}`;
  return `${where}expected ${problem.expected}${found}`;
}

function invalid(input: InputSpec, given: FlagValue, reason: string): UsageError {
  return new UsageError(
    `Invalid value for ${given.flag}: ${truncate(JSON.stringify(given.text))} — ${reason}. ` +
      `--${input.name} takes ${input.typeText}, e.g. ${exampleFlag(input)}`,
  );
}

function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
