// Parameter names of a task function, read from its source text. Enough for `ctx().inputs`, `ignoredInputs`
// and a stable interface hash until the TypeScript-derived interface (names and JSON Schema) replaces it.

/** Names of `fn`'s parameters; a destructured parameter is named `arg<i>`. */
export function parameterNames(fn: (...args: any[]) => unknown): string[] {
  const list = parameterList(Function.prototype.toString.call(fn));
  if (list.trim() === "") return [];
  return splitTopLevel(list).map((param, i) => {
    const withoutDefault = splitTopLevel(param, "=")[0]?.trim() ?? "";
    const name = withoutDefault.replace(/^\.\.\./, "").trim();
    return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `arg${i}`;
  });
}

/** The text between the parameter list's parentheses, or a lone arrow parameter. */
export function parameterList(source: string): string {
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return arrow[1] ?? "";
  const open = source.indexOf("(");
  if (open < 0) return "";
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    }
  }
  return "";
}

function splitTopLevel(text: string, separator = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (depth === 0 && ch === separator && !(separator === "=" && (text[i + 1] === ">" || text[i + 1] === "="))) {
      parts.push(text.slice(start, i));
      start = i + 1;
      if (separator === "=") break;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part, i) => separator !== "," || part.trim() !== "" || i < parts.length - 1);
}
