// Validates input values (parsed flags, or API inputs) against their JSON Schema with ajv (draft 2020-12, for `prefixItems`) and turns
// the first ajv error into words: the path inside the value, what was expected there and what was found.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import type { JsonSchema } from "./types.js";
import { describeSchema } from "./schema-kind.js";

export interface ValidationProblem {
  /** JavaScript-style path inside the input, "" for the value itself: `[1].at`. */
  path: string;
  /** What was expected there, e.g. "a number". */
  expected: string;
  /** The offending value at `path` as JSON text, when there is one. */
  found: string | undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

export function isIsoDate(text: string): boolean {
  return ISO_DATE.test(text) && !Number.isNaN(Date.parse(text));
}

export function isBase64(text: string): boolean {
  return BASE64.test(text.replace(/-/g, "+").replace(/_/g, "/"));
}

// strict: false tolerates annotations we do not validate; verbose keeps each error's schema and data for messages.
const ajv = new Ajv2020({ strict: false, verbose: true, allErrors: false });
ajv.addFormat("date-time", { type: "string", validate: isIsoDate });
ajv.addKeyword({
  keyword: "x-flyte-type",
  schemaType: "string",
  errors: false,
  // Only bytes need a check here: dates have a format, bigints a pattern; the rest are annotations.
  validate: (kind: string, data: unknown) => kind !== "bytes" || typeof data !== "string" || isBase64(data),
});

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorOf(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function matches(schema: JsonSchema, value: unknown): boolean {
  return validatorOf(schema)(value);
}

/** The first problem of `value` against `schema`, or undefined when it is valid. */
export function validateValue(schema: JsonSchema, value: unknown): ValidationProblem | undefined {
  const validate = validatorOf(schema);
  if (validate(value)) return undefined;
  return describeErrors(validate.errors ?? []);
}

function describeErrors(errors: readonly ErrorObject[]): ValidationProblem {
  // Under a union, the branch that got deepest into the value is the one the user most likely meant.
  const unions = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  const outer = unions.sort((a, b) => a.instancePath.length - b.instancePath.length)[0];
  let chosen = errors[0];
  if (outer) {
    const deeper = errors.filter((e) => e.instancePath.length > outer.instancePath.length && e.instancePath.startsWith(outer.instancePath));
    chosen = deeper.sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? outer;
  }
  if (!chosen) return { path: "", expected: "a valid value", found: undefined };
  return { path: jsPath(chosen.instancePath), ...expectation(chosen) };
}

function expectation(error: ErrorObject): { expected: string; found: string | undefined } {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  const found = error.data === undefined ? undefined : JSON.stringify(error.data);
  switch (error.keyword) {
    case "required":
      return { expected: `the required property "${String(params.missingProperty)}"`, found: undefined };
    case "additionalProperties":
      return { expected: `no property "${String(params.additionalProperty)}"`, found: undefined };
    case "minItems":
      return { expected: `at least ${String(params.limit)} items`, found: `${(error.data as unknown[]).length} items` };
    case "maxItems":
      return { expected: `at most ${String(params.limit)} items`, found: `${(error.data as unknown[]).length} items` };
    case "type":
    case "enum":
    case "const":
    case "format":
    case "pattern":
    case "anyOf":
    case "oneOf":
    case "x-flyte-type":
      return { expected: describeSchema(parent), found };
    default:
      return { expected: `a value that ${error.message ?? "matches the schema"}`, found };
  }
}

/** JSON pointer `/1/at` → `[1].at`. */
export function jsPath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .split("/")
    .slice(1)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`))
    .join("");
}
