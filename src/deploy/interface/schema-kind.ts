// Small readers of the JSON Schemas extraction produces: what kind of text a flag takes, the marker of a
// non-JSON value, and a short description for messages. Schemas are plain objects; nothing here mutates them.
import type { JsonSchema } from "./types.js";

/** How a flag's text becomes a JSON value before validation. */
export type TextKind = "string" | "number" | "boolean" | "null" | "json" | "json-or-string";

export function marker(schema: JsonSchema): string | undefined {
  const value = schema["x-flyte-type"];
  return typeof value === "string" ? value : undefined;
}

export function branches(schema: JsonSchema): JsonSchema[] | undefined {
  const anyOf = schema.anyOf ?? schema.oneOf;
  return Array.isArray(anyOf) ? (anyOf as JsonSchema[]) : undefined;
}

export function textKind(schema: JsonSchema): TextKind {
  if (Array.isArray(schema.enum)) {
    return schema.enum.every((value) => typeof value === "string") ? "string" : "json-or-string";
  }
  switch (schema.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
    case "object":
      return "json";
    default:
      // unions, `any`/`unknown` ({}) and schemas without a single type: JSON when it parses, else the text
      return "json-or-string";
  }
}

/** Whether `--flag` alone (and `--no-flag`) make sense for this input. */
export function acceptsBareFlag(schema: JsonSchema): boolean {
  if (schema.type === "boolean") return true;
  return branches(schema)?.some((branch) => branch.type === "boolean") ?? false;
}

/** A short human description of what a schema accepts, for "expected ..." messages. */
export function describeSchema(schema: JsonSchema): string {
  const kind = marker(schema);
  if (kind === "date") return "an ISO 8601 date (e.g. 2024-01-31T12:00:00Z)";
  if (kind === "bigint") return "a whole number written in digits (bigint)";
  if (kind === "bytes") return "base64 text";
  if (kind === "map") return "a JSON array of [key, value] pairs";
  if (kind === "set") return "a JSON array of distinct items";
  if (kind === "file" || kind === "dir" || kind === "dataframe") return `a ${kind} path`;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((value) => JSON.stringify(value)).join(", ")}`;
  const anyOf = branches(schema);
  if (anyOf) return anyOf.map(describeSchema).join(" or ");
  if (Array.isArray(schema.prefixItems)) return `a JSON array of ${schema.prefixItems.length} items`;
  switch (schema.type) {
    case "array":
      return "a JSON array";
    case "object":
      return "a JSON object";
    case "integer":
      return "an integer";
    case "number":
    case "string":
    case "boolean":
      return `a ${schema.type}`;
    case "null":
      return "null";
    default:
      return "any JSON value";
  }
}
