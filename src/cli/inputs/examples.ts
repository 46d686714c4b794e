// Example values built from an input's schema, shown in errors and in --help so a user sees a value that
// would be accepted: JSON text for arrays and objects, plain text for strings, quoted for the shell.
import type { InputSpec, JsonSchema } from "../../deploy/interface/index.js";
import { acceptsBareFlag, branches, marker, textKind } from "../../deploy/interface/schema-kind.js";

const MAX_DEPTH = 4;
const MARKER_EXAMPLES: Readonly<Record<string, string>> = {
  date: "2024-01-31T12:00:00Z",
  bigint: "12345678901234567890",
  bytes: "aGVsbG8=",
  file: "data/input.csv",
  dir: "data/",
  dataframe: "data/table.parquet",
};

/** A JSON value (the form typed on the command line, before Date/Map/... conversion) valid for `schema`. */
export function exampleValue(schema: JsonSchema, depth = 0): unknown {
  if (depth > MAX_DEPTH) return null;
  const kind = marker(schema);
  if (kind && MARKER_EXAMPLES[kind] !== undefined) return MARKER_EXAMPLES[kind];
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((value) => value !== null) ?? null;
  const anyOf = branches(schema);
  if (anyOf) return exampleValue(anyOf.find((branch) => branch.type !== "null") ?? anyOf[0] ?? {}, depth);
  switch (schema.type) {
    case "string":
      return "text";
    case "number":
    case "integer":
      return 42;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return arrayExample(schema, depth);
    case "object":
      return objectExample(schema, depth);
    default:
      return "text";
  }
}

function arrayExample(schema: JsonSchema, depth: number): unknown[] {
  if (Array.isArray(schema.prefixItems)) return (schema.prefixItems as JsonSchema[]).map((item) => exampleValue(item, depth + 1));
  const items = (schema.items ?? {}) as JsonSchema;
  if (items.type === "number" || items.type === "integer") return [1, 2, 3];
  return [exampleValue(items, depth + 1)];
}

function objectExample(schema: JsonSchema, depth: number): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const names = Object.keys(properties).filter((name) => required.size === 0 || required.has(name));
  const example: Record<string, unknown> = {};
  for (const name of names) example[name] = exampleValue(properties[name]!, depth + 1);
  const extra = schema.additionalProperties;
  if (names.length === 0 && typeof extra === "object" && extra !== null) example.key = exampleValue(extra as JsonSchema, depth + 1);
  return example;
}

/** Quotes text for a POSIX shell when it holds anything but plain word characters. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The command-line text of `value` for an input of this schema. */
export function valueText(schema: JsonSchema, value: unknown): string {
  if (typeof value === "string" && textKind(schema) !== "json") return value;
  return JSON.stringify(value);
}

/** `--name value`, ready to paste. */
export function exampleFlag(input: InputSpec): string {
  if (input.schema.type === "boolean" && acceptsBareFlag(input.schema)) return `--${input.name}`;
  return `--${input.name} ${shellQuote(valueText(input.schema, exampleValue(input.schema)))}`;
}
