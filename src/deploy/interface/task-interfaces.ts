// Finds a module's exported tasks (exports whose type is the SDK's `Task<A, R>`) and builds each one's
// interface: inputs from the tuple A (names, types) completed by the function's syntax (`?`, defaults), and
// the output from R with its Promise unwrapped.
import type ts from "typescript";
import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { parametersOf, taskSourceOf, type ParameterSource } from "./task-source.js";
import { membersSchema, membersText, withoutUndefined, type SchemaContext } from "./type-schema.js";
import type { InputSpec, JsonSchema, TaskInterface } from "./types.js";

/** Where the SDK's `Task` interface is declared: this repository's source or the built package. */
const TASK_DECLARATION_FILE = /[/\\](?:src[/\\]sdk[/\\]task\.ts|dist[/\\]sdk[/\\]task\.d\.ts)$/;

/** The interfaces of every exported task of `sourceFile`, in export order. */
export function taskInterfaces(ctx: SchemaContext, sourceFile: ts.SourceFile): TaskInterface[] {
  const { checker, ts: t } = ctx;
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) return [];
  const tasks: TaskInterface[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & t.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!declaration) continue;
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
    const args = taskTypeArguments(ctx, type);
    if (!args) continue;
    tasks.push(buildInterface(ctx, exported.getName(), declaration, args));
  }
  return tasks;
}

/** `[A, R]` when `type` is the SDK's `Task<A, R>`. */
function taskTypeArguments(ctx: SchemaContext, type: ts.Type): [ts.Type, ts.Type] | undefined {
  const symbol = type.getSymbol();
  if (!symbol || symbol.getName() !== "Task") return undefined;
  const ours = (symbol.declarations ?? []).some((decl) => TASK_DECLARATION_FILE.test(decl.getSourceFile().fileName));
  if (!ours || !(((type as ts.ObjectType).objectFlags ?? 0) & ctx.ts.ObjectFlags.Reference)) return undefined;
  const [args, result] = ctx.checker.getTypeArguments(type as ts.TypeReference);
  return args && result ? [args, result] : undefined;
}

interface TupleElement {
  name: string | undefined;
  type: ts.Type;
  optional: boolean;
  rest: boolean;
}

/** The elements of the parameter tuple A, or undefined when A is not a tuple (e.g. a bare `Task`). */
function tupleElements(ctx: SchemaContext, args: ts.Type): TupleElement[] | undefined {
  const { checker, ts: t } = ctx;
  if (!checker.isTupleType(args)) return undefined;
  const target = (args as ts.TypeReference).target as ts.TupleType;
  const types = checker.getTypeArguments(args as ts.TypeReference);
  return target.elementFlags.map((flag, i) => {
    const declaration = target.labeledElementDeclarations?.[i];
    const name = declaration && t.isIdentifier(declaration.name) ? declaration.name.text : undefined;
    return { name, type: types[i] ?? checker.getAnyType(), optional: (flag & t.ElementFlags.Required) === 0, rest: (flag & t.ElementFlags.Variable) !== 0 };
  });
}

function buildInterface(ctx: SchemaContext, exportName: string, declaration: ts.Node, [args, result]: [ts.Type, ts.Type]): TaskInterface {
  const source = taskSourceOf(ctx, declaration);
  const params = source.fn ? parametersOf(ctx, source.fn) : [];
  const elements = tupleElements(ctx, args);
  const count = elements ? elements.length : params.length;
  const inputs: InputSpec[] = [];
  for (let i = 0; i < count; i++) inputs.push(inputSpec(ctx, i, elements?.[i], params[i]));
  const { output, outputTypeText } = outputOf(ctx, result);
  const hashed = { inputs: inputs.map(({ name, schema, optional }) => ({ name, schema, optional })), output };
  return {
    exportName,
    taskName: source.taskName ?? exportName,
    inputs,
    output,
    outputTypeText,
    interfaceHash: sha256Hex(canonicalJson(hashed)),
  };
}

function inputSpec(ctx: SchemaContext, index: number, element: TupleElement | undefined, param: ParameterSource | undefined): InputSpec {
  const { checker } = ctx;
  const rest = element?.rest ?? param?.rest ?? false;
  let type: ts.Type;
  if (param?.initializer && !param.annotated) {
    // Without an annotation the tuple holds the widened default's type only after inference; ask the
    // initializer directly, widened (`5` → number) as the parameter itself would be.
    type = checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(param.initializer));
  } else if (element) {
    type = element.type;
  } else if (param) {
    type = checker.getTypeAtLocation(param.node);
    // A rest parameter's own type is the array; the spec describes its items, as a tuple's rest element does.
    if (rest && checker.isArrayType(type)) type = checker.getTypeArguments(type as ts.TypeReference)[0] ?? checker.getAnyType();
  } else {
    type = checker.getAnyType();
  }
  const { members, hadUndefined } = withoutUndefined(ctx, type);
  const itemSchema = members.length === 0 ? {} : membersSchema(ctx, members);
  const itemText = members.length === 0 ? "undefined" : membersText(ctx, members);
  const spec: InputSpec = {
    name: param?.name ?? element?.name ?? `arg${index}`,
    schema: rest ? { type: "array", items: itemSchema } : itemSchema,
    optional: rest || hadUndefined || (element?.optional ?? false) || (param?.optional ?? false),
    hasDefault: param?.hasDefault ?? false,
    typeText: rest ? `${members.length > 1 ? `(${itemText})` : itemText}[]` : itemText,
  };
  if (param?.literal) spec.default = param.literal.value;
  if (rest) spec.rest = true;
  return spec;
}

function outputOf(ctx: SchemaContext, result: ts.Type): { output: JsonSchema; outputTypeText: string } {
  const { checker, ts: t } = ctx;
  const awaited = checker.getAwaitedType(result) ?? result;
  const { members, hadUndefined } = withoutUndefined(ctx, awaited);
  if (members.length === 0) return { output: { type: "null" }, outputTypeText: checker.typeToString(awaited) };
  // A task that may return undefined stores null: keep it as a null branch rather than dropping it.
  const schema = membersSchema(ctx, members);
  const output = hadUndefined && !(members.length === 1 && members[0]!.flags & (t.TypeFlags.Any | t.TypeFlags.Unknown)) ? orNull(schema) : schema;
  return { output, outputTypeText: checker.typeToString(awaited, undefined, t.TypeFormatFlags.NoTruncation) };
}

function orNull(schema: JsonSchema): JsonSchema {
  const branches = Array.isArray(schema.anyOf) ? [...(schema.anyOf as JsonSchema[])] : [schema];
  if (!branches.some((branch) => branch.type === "null")) branches.push({ type: "null" });
  const sorted = branches.map((branch) => [canonicalJson(branch), branch] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { anyOf: sorted.map(([, branch]) => branch) };
}
