// Turns a validated JSON value into the value the task function receives, following the schema's
// "x-flyte-type" markers at any depth: ISO text → Date, digits → bigint, base64 → Uint8Array, arrays → Map/Set.
// Runs only after validation, so it can trust the shapes it walks.
import type { JsonSchema } from "../../deploy/interface/index.js";
import { branches, marker } from "../../deploy/interface/schema-kind.js";
import { matches } from "../../deploy/interface/schema-validator.js";

export function toRuntimeValue(schema: JsonSchema, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (marker(schema)) {
    case "date":
      return new Date(value as string);
    case "bigint":
      return BigInt(value as string);
    case "bytes":
      return new Uint8Array(Buffer.from(value as string, "base64"));
    case "map": {
      const [keySchema, valueSchema] = pairSchemas(schema);
      return new Map((value as [unknown, unknown][]).map(([k, v]) => [toRuntimeValue(keySchema, k), toRuntimeValue(valueSchema, v)]));
    }
    case "set":
      return new Set((value as unknown[]).map((item) => toRuntimeValue(objectOr(schema.items), item)));
  }
  const anyOf = branches(schema);
  if (anyOf) {
    // The first branch the value matches decides how to convert it (e.g. `Date | number`).
    const branch = anyOf.find((candidate) => matches(candidate, value));
    return branch ? toRuntimeValue(branch, value) : value;
  }
  if (Array.isArray(value)) {
    const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
    return value.map((item, i) => toRuntimeValue(prefix[i] ?? objectOr(schema.items), item));
  }
  if (typeof value === "object") {
    const properties = objectOr(schema.properties) as Record<string, JsonSchema>;
    const extra = objectOr(schema.additionalProperties);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toRuntimeValue(Object.prototype.hasOwnProperty.call(properties, key) ? properties[key]! : extra, item);
      // defineProperty, so a JSON key "__proto__" stays data instead of replacing the prototype
      Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function objectOr(value: unknown): JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonSchema) : {};
}

function pairSchemas(schema: JsonSchema): [JsonSchema, JsonSchema] {
  const pair = objectOr(schema.items).prefixItems;
  const [k, v] = Array.isArray(pair) ? (pair as JsonSchema[]) : [];
  return [k ?? {}, v ?? {}];
}
