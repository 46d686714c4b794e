// TypeScript type → JSON Schema (2020-12) for task inputs and outputs. Values that JSON cannot carry (Date,
// bytes, Map, Set, bigint, File/Dir/DataFrame) get a JSON shape plus an "x-flyte-type" marker so the CLI and the
// UI can convert them. Output is deterministic: union members and enum values are sorted, keys built in order.
import type ts from "typescript";
import { canonicalJson } from "./canonical-json.js";
import type { JsonSchema } from "./types.js";

export interface SchemaContext {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
  readonly program: ts.Program;
}

/** Recursive types are cut here with `{}`. */
const MAX_DEPTH = 8;
const REFERENCE_CLASSES: Readonly<Record<string, string>> = { File: "file", Dir: "dir", DataFrame: "dataframe" };

export const DATE_SCHEMA: JsonSchema = { type: "string", format: "date-time", "x-flyte-type": "date" };
export const BYTES_SCHEMA: JsonSchema = { type: "string", contentEncoding: "base64", "x-flyte-type": "bytes" };
export const BIGINT_SCHEMA: JsonSchema = { type: "string", pattern: "^-?[0-9]+$", "x-flyte-type": "bigint" };

/** Splits `T | undefined` (or `T | void`) into T's members and whether undefined was there. */
export function withoutUndefined(ctx: SchemaContext, type: ts.Type): { members: ts.Type[]; hadUndefined: boolean } {
  const { TypeFlags } = ctx.ts;
  const all = type.isUnion() ? type.types : [type];
  const members = all.filter((member) => !(member.flags & (TypeFlags.Undefined | TypeFlags.Void)));
  return { members, hadUndefined: members.length !== all.length };
}

/** Schema of a union's remaining members (after `withoutUndefined`); one member is its own schema. */
export function membersSchema(ctx: SchemaContext, members: readonly ts.Type[], depth = 0): JsonSchema {
  if (members.length === 1) return typeToSchema(ctx, members[0]!, depth);
  return unionSchema(ctx, members, depth);
}

/** The checker's text for a union's remaining members, with `false | true` shown as `boolean`. */
export function membersText(ctx: SchemaContext, members: readonly ts.Type[]): string {
  const flags = ctx.ts.TypeFormatFlags.NoTruncation;
  let texts = members.map((member) => ctx.checker.typeToString(member, undefined, flags));
  if (texts.includes("true") && texts.includes("false")) {
    texts = [...texts.filter((text) => text !== "true" && text !== "false"), "boolean"];
  }
  // The checker orders members by creation; people write `string | null`, with null last.
  return [...texts.filter((text) => text !== "null"), ...texts.filter((text) => text === "null")].join(" | ");
}

export function typeToSchema(ctx: SchemaContext, type: ts.Type, depth = 0): JsonSchema {
  if (depth > MAX_DEPTH) return {};
  const { TypeFlags } = ctx.ts;
  const f = type.flags;
  if (f & (TypeFlags.Any | TypeFlags.Unknown | TypeFlags.Never | TypeFlags.TypeParameter | TypeFlags.ESSymbolLike)) return {};
  if (f & TypeFlags.Boolean) return { type: "boolean" };
  if (type.isUnion()) return unionSchema(ctx, type.types, depth);
  if (type.isStringLiteral()) return { type: "string", enum: [type.value] };
  if (type.isNumberLiteral()) return { type: "number", enum: [type.value] };
  if (f & TypeFlags.BooleanLiteral) return { type: "boolean", enum: [booleanLiteralValue(ctx, type)] };
  if (f & (TypeFlags.String | TypeFlags.TemplateLiteral | TypeFlags.StringMapping)) return { type: "string" };
  if (f & TypeFlags.Number) return { type: "number" };
  if (f & TypeFlags.BigIntLike) return { ...BIGINT_SCHEMA };
  if (f & (TypeFlags.Null | TypeFlags.Undefined | TypeFlags.Void)) return { type: "null" };
  if (f & TypeFlags.NonPrimitive) return { type: "object" };
  if (type.isIntersection()) {
    // A branded primitive (`string & { __brand: "Id" }`) is its primitive; other intersections are objects.
    const primitive = type.types.find((member) => !(member.flags & TypeFlags.Object));
    return primitive ? typeToSchema(ctx, primitive, depth) : objectSchema(ctx, type, depth);
  }
  if (f & TypeFlags.Object) return objectSchema(ctx, type, depth);
  return {};
}

function booleanLiteralValue(ctx: SchemaContext, type: ts.Type): boolean {
  return ctx.checker.typeToString(type) === "true";
}

type Literal = string | number | boolean | null;

function unionSchema(ctx: SchemaContext, members: readonly ts.Type[], depth: number): JsonSchema {
  const { TypeFlags } = ctx.ts;
  const literals: Literal[] = [];
  const others: JsonSchema[] = [];
  let hasNull = false;
  for (const member of members) {
    if (member.flags & (TypeFlags.Undefined | TypeFlags.Void)) continue;
    if (member.flags & TypeFlags.Null) hasNull = true;
    else if (member.isStringLiteral() || member.isNumberLiteral()) literals.push(member.value);
    else if (member.flags & TypeFlags.BooleanLiteral) literals.push(booleanLiteralValue(ctx, member));
    else others.push(typeToSchema(ctx, member, depth));
  }
  if (literals.includes(true) && literals.includes(false)) {
    others.push({ type: "boolean" });
    for (const value of [true, false]) literals.splice(literals.indexOf(value), 1);
  }
  // `"a" | "b" | null` stays one enum; `string | null` becomes anyOf with a null branch.
  if (hasNull && others.length === 0 && literals.length > 0) literals.push(null);
  else if (hasNull) others.push({ type: "null" });
  const branches = literals.length > 0 ? [enumSchema(literals), ...others] : others;
  const unique = [...new Map(branches.map((branch) => [canonicalJson(branch), branch])).entries()];
  unique.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (unique.length === 0) return {};
  if (unique.length === 1) return unique[0]![1];
  return { anyOf: unique.map(([, branch]) => branch) };
}

function enumSchema(values: Literal[]): JsonSchema {
  const typeOf = (value: Literal): string => (value === null ? "null" : typeof value);
  const rank = (value: Literal): string => `${typeOf(value)}:${typeof value === "number" ? "" : String(value)}`;
  values.sort((a, b) => {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0;
  });
  const types = new Set(values.map(typeOf));
  const [only] = types;
  return types.size === 1 && only !== undefined ? { type: only, enum: values } : { enum: values };
}

/** A type's symbol, when declared in a default lib file or in @types/node (so a user's own `Map` is not ours). */
function builtinName(ctx: SchemaContext, type: ts.Type): string | undefined {
  const symbol = type.getSymbol();
  if (!symbol) return undefined;
  const builtin = (symbol.declarations ?? []).some((decl) => {
    const file = decl.getSourceFile();
    return ctx.program.isSourceFileDefaultLibrary(file) || /[/\\]node_modules[/\\]@types[/\\]node[/\\]/.test(file.fileName);
  });
  return builtin ? symbol.getName() : undefined;
}

function typeArgument(ctx: SchemaContext, type: ts.Type, index: number): ts.Type | undefined {
  return ctx.checker.getTypeArguments(type as ts.TypeReference)[index];
}

function argumentSchema(ctx: SchemaContext, type: ts.Type, index: number, depth: number): JsonSchema {
  const arg = typeArgument(ctx, type, index);
  return arg ? typeToSchema(ctx, arg, depth + 1) : {};
}

function objectSchema(ctx: SchemaContext, type: ts.Type, depth: number): JsonSchema {
  const { checker } = ctx;
  const symbol = type.getSymbol();
  const reference = symbol && symbol.flags & ctx.ts.SymbolFlags.Class ? REFERENCE_CLASSES[symbol.getName()] : undefined;
  if (reference) return { type: "string", "x-flyte-type": reference };
  switch (builtinName(ctx, type)) {
    case "Date":
      return { ...DATE_SCHEMA };
    case "Uint8Array":
    case "Buffer":
      return { ...BYTES_SCHEMA };
    case "Map":
    case "ReadonlyMap": {
      const entry = { type: "array", prefixItems: [argumentSchema(ctx, type, 0, depth), argumentSchema(ctx, type, 1, depth)], minItems: 2, maxItems: 2 };
      return { type: "array", items: entry, "x-flyte-type": "map" };
    }
    case "Set":
    case "ReadonlySet":
      return { type: "array", items: argumentSchema(ctx, type, 0, depth), "x-flyte-type": "set" };
    case "Promise":
    case "PromiseLike": {
      const awaited = checker.getAwaitedType(type);
      return awaited && awaited !== type ? typeToSchema(ctx, awaited, depth + 1) : {};
    }
  }
  if (checker.isTupleType(type)) return tupleSchema(ctx, type as ts.TypeReference, depth);
  if (checker.isArrayType(type)) return { type: "array", items: argumentSchema(ctx, type, 0, depth) };
  // A function is not data; say nothing about it rather than claim an empty object.
  if (type.getCallSignatures().length > 0 && checker.getPropertiesOfType(type).length === 0) return {};
  return propertiesSchema(ctx, type, depth);
}

function tupleSchema(ctx: SchemaContext, type: ts.TypeReference, depth: number): JsonSchema {
  const { ElementFlags } = ctx.ts;
  const target = type.target as ts.TupleType;
  const args = ctx.checker.getTypeArguments(type);
  const prefixItems: JsonSchema[] = [];
  let minItems = 0;
  let rest: JsonSchema | undefined;
  target.elementFlags.forEach((flag, i) => {
    const arg = args[i];
    if (flag & ElementFlags.Variable) {
      // `...T[]` carries the element type; a variadic `...T` carries an array type.
      rest = !arg ? {} : flag & ElementFlags.Rest ? typeToSchema(ctx, arg, depth + 1) : argumentSchema(ctx, arg, 0, depth);
      return;
    }
    prefixItems.push(arg ? membersSchema(ctx, withoutUndefined(ctx, arg).members, depth + 1) : {});
    if (flag & ElementFlags.Required) minItems = prefixItems.length;
  });
  if (rest) return { type: "array", prefixItems, minItems, items: rest };
  return { type: "array", prefixItems, minItems, maxItems: prefixItems.length };
}

function propertiesSchema(ctx: SchemaContext, type: ts.Type, depth: number): JsonSchema {
  const { checker, ts: tsApi } = ctx;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const prop of checker.getPropertiesOfType(type)) {
    const name = prop.getName();
    // Symbol-keyed (`__@iterator`) and #private members are not data.
    if (name.startsWith("__@") || name.startsWith("__#") || prop.flags & (tsApi.SymbolFlags.Method | tsApi.SymbolFlags.Prototype)) continue;
    const propType = checker.getTypeOfSymbol(prop);
    if (propType.getCallSignatures().length > 0 && checker.getPropertiesOfType(propType).length === 0) continue;
    const { members, hadUndefined } = withoutUndefined(ctx, propType);
    properties[name] = membersSchema(ctx, members, depth + 1);
    if (!(prop.flags & tsApi.SymbolFlags.Optional) && !hadUndefined) required.push(name);
  }
  const schema: JsonSchema = { type: "object" };
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.length > 0) schema.required = required.sort();
  const index = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & (tsApi.TypeFlags.String | tsApi.TypeFlags.Number));
  if (index) schema.additionalProperties = membersSchema(ctx, withoutUndefined(ctx, index.type).members, depth + 1);
  return schema;
}
