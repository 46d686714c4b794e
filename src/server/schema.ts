// A tiny schema helper for request bodies and query parameters: each schema both checks a value (throwing a 400
// that names the field, the value found and what is allowed) and describes itself as JSON Schema, so the
// OpenAPI document is generated from the very objects that validate requests and cannot drift from them.
import { invalidField } from "./api-error.js";

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface Schema<T> {
  readonly jsonSchema: JsonSchema;
  /** True for `optional(...)`: the field may be absent. */
  readonly optional?: true;
  parse(value: unknown, field: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** How a value looks in an error message: short, and never the whole of a large value. */
function shown(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

interface StringOptions {
  readonly description?: string;
  readonly pattern?: RegExp;
  /** What the pattern allows, in words (for the error message). */
  readonly patternHint?: string;
  readonly maxLength?: number;
  readonly enum?: readonly string[];
}

export function string(options: StringOptions = {}): Schema<string> {
  const json: Record<string, unknown> = { type: "string" };
  if (options.description !== undefined) json["description"] = options.description;
  if (options.pattern !== undefined) json["pattern"] = options.pattern.source;
  if (options.maxLength !== undefined) json["maxLength"] = options.maxLength;
  if (options.enum !== undefined) json["enum"] = [...options.enum];
  return {
    jsonSchema: json,
    parse(value, field) {
      if (typeof value !== "string") throw invalidField(field, `expected a string, got ${shown(value)}`);
      if (options.maxLength !== undefined && value.length > options.maxLength) {
        throw invalidField(field, `is ${value.length} characters long; at most ${options.maxLength} are allowed`);
      }
      if (options.enum !== undefined && !options.enum.includes(value)) {
        throw invalidField(field, `got ${shown(value)}; expected one of ${options.enum.join(", ")}`);
      }
      if (options.pattern !== undefined && !options.pattern.test(value)) {
        throw invalidField(field, `got ${shown(value)}; expected ${options.patternHint ?? `a string matching ${options.pattern.source}`}`);
      }
      return value;
    },
  };
}

export function boolean(description?: string): Schema<boolean> {
  return {
    jsonSchema: description === undefined ? { type: "boolean" } : { type: "boolean", description },
    parse(value, field) {
      if (typeof value !== "boolean") throw invalidField(field, `expected true or false, got ${shown(value)}`);
      return value;
    },
  };
}

/** An integer within bounds. */
export function integer(bounds: { min: number; max: number }, description?: string): Schema<number> {
  const json: Record<string, unknown> = { type: "integer", minimum: bounds.min, maximum: bounds.max };
  if (description !== undefined) json["description"] = description;
  return {
    jsonSchema: json,
    parse(value, field) {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
        throw invalidField(field, `expected an integer from ${bounds.min} to ${bounds.max}, got ${shown(value)}`);
      }
      return value;
    },
  };
}

/** An array whose items all match `items`. */
export function arrayOf<T>(items: Schema<T>, description?: string): Schema<T[]> {
  const json: Record<string, unknown> = { type: "array", items: items.jsonSchema };
  if (description !== undefined) json["description"] = description;
  return {
    jsonSchema: json,
    parse(value, field) {
      if (!Array.isArray(value)) throw invalidField(field, `expected an array, got ${shown(value)}`);
      return value.map((item, i) => items.parse(item, `${field}[${i}]`));
    },
  };
}

/** An array of any JSON values (task inputs: their types are checked by the codec and the task). */
export function jsonArray(description?: string): Schema<unknown[]> {
  return {
    jsonSchema: description === undefined ? { type: "array" } : { type: "array", description },
    parse(value, field) {
      if (!Array.isArray(value)) throw invalidField(field, `expected an array, got ${shown(value)}`);
      return value;
    },
  };
}

/** A JSON object of any shape, or null (a JSON Schema sent by a client: kept as is, never interpreted here). */
export function jsonObjectOrNull(description?: string): Schema<Record<string, unknown> | null> {
  const json: Record<string, unknown> = { type: ["object", "null"] };
  if (description !== undefined) json["description"] = description;
  return {
    jsonSchema: json,
    parse(value, field) {
      if (value !== null && !isPlainObject(value)) throw invalidField(field, `expected a JSON object or null, got ${shown(value)}`);
      return value;
    },
  };
}

/** A value of `inner`, or null. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    jsonSchema: { anyOf: [inner.jsonSchema, { type: "null" }] },
    parse: (value, field) => (value === null ? null : inner.parse(value, field)),
  };
}

/** An object whose values all match `values` (labels). */
export function record<T>(values: Schema<T>, description?: string): Schema<Record<string, T>> {
  const json: Record<string, unknown> = { type: "object", additionalProperties: values.jsonSchema };
  if (description !== undefined) json["description"] = description;
  return {
    jsonSchema: json,
    parse(value, field) {
      if (!isPlainObject(value)) throw invalidField(field, `expected an object, got ${shown(value)}`);
      const out: Record<string, T> = {};
      for (const [key, item] of Object.entries(value)) out[key] = values.parse(item, `${field}.${key}`);
      return out;
    },
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    jsonSchema: inner.jsonSchema,
    optional: true,
    parse: (value, field) => (value === undefined ? undefined : inner.parse(value, field)),
  };
}

type Shape = Record<string, Schema<unknown>>;
export type ObjectOf<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

/** An object with exactly these fields: a missing required field or an unknown one (a typo) is a 400. */
export function object<S extends Shape>(shape: S, description?: string): Schema<ObjectOf<S>> {
  const required = Object.keys(shape).filter((key) => shape[key]?.optional !== true);
  const json: Record<string, unknown> = {
    type: "object",
    properties: Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.jsonSchema])),
    required,
    additionalProperties: false,
  };
  if (description !== undefined) json["description"] = description;
  return {
    jsonSchema: json,
    parse(value, field) {
      if (!isPlainObject(value)) throw invalidField(field, `expected a JSON object, got ${shown(value)}`);
      const prefix = field === "body" ? "" : `${field}.`;
      const unknown = Object.keys(value).find((key) => !(key in shape));
      if (unknown !== undefined) {
        throw invalidField(`${prefix}${unknown}`, `is not a known field; allowed: ${Object.keys(shape).join(", ")}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const item = value[key];
        if (item === undefined && schema.optional !== true) throw invalidField(`${prefix}${key}`, "is required");
        out[key] = schema.parse(item, `${prefix}${key}`);
      }
      return out as ObjectOf<S>;
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses an integer query parameter; absent means `fallback`. */
export function queryInteger(raw: string | undefined, field: string, bounds: { min: number; max: number }, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw invalidField(field, `got ${JSON.stringify(raw)}; expected an integer from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}
