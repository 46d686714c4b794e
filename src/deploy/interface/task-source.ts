// Reads, from the syntax of an exported task, what its type does not carry: the `.task(...)` call that made it,
// the task's own name (options.name or the function's name) and each parameter's `?`, initializer and literal
// default. Follows identifiers (`env.task(named)`, `export const b = a.withOverrides(...)`) to their declarations.
import type ts from "typescript";

export interface TaskSource {
  /** The name the SDK gives the task at runtime, when it can be read from the source. */
  taskName: string | undefined;
  /** The task function, when it is a function literal or a function declaration. */
  fn: ts.SignatureDeclaration | undefined;
}

export interface ParameterSource {
  name: string | undefined;
  optional: boolean;
  hasDefault: boolean;
  rest: boolean;
  /** Set only when the initializer is a literal. */
  literal?: { value: unknown };
  initializer: ts.Expression | undefined;
  annotated: boolean;
  node: ts.ParameterDeclaration;
}

interface Ctx {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
}

/** Follows an export's declaration to the `.task(...)` call that initialises it. */
export function taskSourceOf(ctx: Ctx, declaration: ts.Node): TaskSource {
  const { ts: t } = ctx;
  let expr: ts.Expression | undefined;
  if (t.isVariableDeclaration(declaration)) expr = declaration.initializer;
  else if (t.isExportAssignment(declaration)) expr = declaration.expression;
  return expr ? sourceOfExpression(ctx, expr, new Set()) : { taskName: undefined, fn: undefined };
}

function unwrap(t: typeof ts, expr: ts.Expression): ts.Expression {
  while (t.isParenthesizedExpression(expr) || t.isAsExpression(expr) || t.isSatisfiesExpression(expr) || t.isNonNullExpression(expr) || t.isTypeAssertionExpression(expr)) {
    expr = expr.expression;
  }
  return expr;
}

function sourceOfExpression(ctx: Ctx, raw: ts.Expression, seen: Set<ts.Node>): TaskSource {
  const { ts: t } = ctx;
  const none: TaskSource = { taskName: undefined, fn: undefined };
  const expr = unwrap(t, raw);
  if (seen.has(expr)) return none;
  seen.add(expr);
  if (t.isCallExpression(expr) && t.isPropertyAccessExpression(expr.expression)) {
    const method = expr.expression.name.text;
    if (method === "task") {
      const args = expr.arguments;
      const last = args[args.length - 1];
      const found = last ? functionOf(ctx, last) : undefined;
      const optionName = args.length >= 2 && args[0] ? stringProperty(t, args[0], "name") : undefined;
      return { taskName: optionName ?? found?.name, fn: found?.fn };
    }
    if (method === "withOverrides") {
      const base = sourceOfExpression(ctx, expr.expression.expression, seen);
      const override = expr.arguments[0] ? stringProperty(t, expr.arguments[0], "name") : undefined;
      return { taskName: override ?? base.taskName, fn: base.fn };
    }
    return none;
  }
  if (t.isIdentifier(expr)) {
    const declaration = declarationOf(ctx, expr);
    if (declaration && t.isVariableDeclaration(declaration) && declaration.initializer) {
      return sourceOfExpression(ctx, declaration.initializer, seen);
    }
  }
  return none;
}

function declarationOf(ctx: Ctx, identifier: ts.Identifier): ts.Declaration | undefined {
  let symbol = ctx.checker.getSymbolAtLocation(identifier);
  if (symbol && symbol.flags & ctx.ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
  return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
}

/** The function passed to `.task(...)`, with the name `fn.name` will have at runtime. */
function functionOf(ctx: Ctx, raw: ts.Expression): { fn: ts.SignatureDeclaration; name: string | undefined } | undefined {
  const { ts: t } = ctx;
  const expr = unwrap(t, raw);
  if (t.isFunctionExpression(expr)) return { fn: expr, name: expr.name?.text };
  if (t.isArrowFunction(expr)) return { fn: expr, name: undefined };
  if (!t.isIdentifier(expr)) return undefined;
  const declaration = declarationOf(ctx, expr);
  if (!declaration) return undefined;
  if (t.isFunctionDeclaration(declaration)) return { fn: declaration, name: declaration.name?.text };
  if (t.isVariableDeclaration(declaration) && declaration.initializer) {
    const init = unwrap(t, declaration.initializer);
    // `const f = async () => {}` gets the variable's name; a named function expression keeps its own.
    const varName = t.isIdentifier(declaration.name) ? declaration.name.text : undefined;
    if (t.isFunctionExpression(init)) return { fn: init, name: init.name?.text ?? varName };
    if (t.isArrowFunction(init)) return { fn: init, name: varName };
  }
  return undefined;
}

function stringProperty(t: typeof ts, raw: ts.Expression, key: string): string | undefined {
  const expr = unwrap(t, raw);
  if (!t.isObjectLiteralExpression(expr)) return undefined;
  for (const prop of expr.properties) {
    if (!t.isPropertyAssignment(prop) || propertyName(t, prop.name) !== key) continue;
    const value = unwrap(t, prop.initializer);
    if (t.isStringLiteral(value) || t.isNoSubstitutionTemplateLiteral(value)) return value.text;
  }
  return undefined;
}

function propertyName(t: typeof ts, name: ts.PropertyName): string | undefined {
  if (t.isIdentifier(name) || t.isStringLiteral(name) || t.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** The task function's parameters, without a TypeScript `this` parameter. */
export function parametersOf(ctx: Ctx, fn: ts.SignatureDeclaration): ParameterSource[] {
  const { ts: t } = ctx;
  return fn.parameters
    .filter((param) => !(t.isIdentifier(param.name) && param.name.text === "this"))
    .map((param, i) => {
      const initializer = param.initializer;
      const literal = initializer ? literalValue(t, initializer) : undefined;
      return {
        // The SDK names a destructured parameter arg<i> (see sdk/parameter-names.ts); keep the same names.
        name: t.isIdentifier(param.name) ? param.name.text : `arg${i}`,
        optional: param.questionToken !== undefined || initializer !== undefined || param.dotDotDotToken !== undefined,
        hasDefault: initializer !== undefined,
        rest: param.dotDotDotToken !== undefined,
        ...(literal ? { literal } : {}),
        initializer,
        annotated: param.type !== undefined,
        node: param,
      };
    });
}

/** The JSON value of a literal expression (numbers, strings, booleans, null, arrays and objects of those). */
export function literalValue(t: typeof ts, raw: ts.Expression): { value: unknown } | undefined {
  const expr = unwrap(t, raw);
  if (t.isNumericLiteral(expr)) return { value: Number(expr.text) };
  if (t.isStringLiteral(expr) || t.isNoSubstitutionTemplateLiteral(expr)) return { value: expr.text };
  if (expr.kind === t.SyntaxKind.TrueKeyword) return { value: true };
  if (expr.kind === t.SyntaxKind.FalseKeyword) return { value: false };
  if (expr.kind === t.SyntaxKind.NullKeyword) return { value: null };
  if (t.isPrefixUnaryExpression(expr) && t.isNumericLiteral(expr.operand)) {
    if (expr.operator === t.SyntaxKind.MinusToken) return { value: -Number(expr.operand.text) };
    if (expr.operator === t.SyntaxKind.PlusToken) return { value: Number(expr.operand.text) };
    return undefined;
  }
  if (t.isArrayLiteralExpression(expr)) {
    const items: unknown[] = [];
    for (const element of expr.elements) {
      const item = t.isSpreadElement(element) || t.isOmittedExpression(element) ? undefined : literalValue(t, element);
      if (!item) return undefined;
      items.push(item.value);
    }
    return { value: items };
  }
  if (t.isObjectLiteralExpression(expr)) {
    const object: Record<string, unknown> = {};
    for (const prop of expr.properties) {
      const key = t.isPropertyAssignment(prop) ? propertyName(t, prop.name) : undefined;
      const item = key !== undefined && t.isPropertyAssignment(prop) ? literalValue(t, prop.initializer) : undefined;
      if (key === undefined || !item) return undefined;
      object[key] = item.value;
    }
    return { value: object };
  }
  return undefined;
}
