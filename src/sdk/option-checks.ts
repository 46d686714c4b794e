// Shared checks for user-supplied options objects. Every failure is an InvalidOptionError whose
// message names the field (with its owner), shows the bad value and says what is allowed, so a
// mistake in `new TaskEnvironment({...})` is fixable from the message alone.
import { InvalidOptionError } from "../errors/index.js";

const MAX_DESCRIBED_LENGTH = 80;

/**
 * A short, JSON-ish rendering of any value for error messages (truncated, never throws).
 * @example describeValue("4GB") // => '"4GB"'
 */
export function describeValue(v: unknown): string {
  let text: string;
  switch (typeof v) {
    case "string":
      text = JSON.stringify(v);
      break;
    case "number":
    case "boolean":
    case "undefined":
      text = String(v);
      break;
    case "bigint":
      text = `${v}n`;
      break;
    case "symbol":
      text = v.toString();
      break;
    case "function":
      text = v.name ? `function ${v.name}` : "anonymous function";
      break;
    default:
      text = describeObject(v as object | null);
  }
  return text.length > MAX_DESCRIBED_LENGTH ? `${text.slice(0, MAX_DESCRIBED_LENGTH - 1)}…` : text;
}

function describeObject(v: object | null): string {
  if (v === null) return "null";
  const seen = new WeakSet<object>();
  let json: string | undefined;
  try {
    json = JSON.stringify(v, (_key, inner: unknown) => {
      if (typeof inner === "bigint") return `${inner}n`;
      if (typeof inner === "function" || typeof inner === "symbol") return describeValue(inner);
      if (inner === undefined) return "undefined";
      if (typeof inner === "object" && inner !== null) {
        // JSON.stringify would throw on a cycle; an error message must never fail.
        if (seen.has(inner)) return "[Circular]";
        seen.add(inner);
      }
      return inner;
    });
  } catch {
    json = undefined;
  }
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  const prefix = typeof ctor === "string" && ctor !== "Object" && ctor !== "Array" ? `${ctor} ` : "";
  return `${prefix}${json ?? "{…}"}`;
}

/**
 * The conventional field label: `Owner: option "path"`.
 * @example optionField('TaskEnvironment "etl"', "resources.memory")
 */
export function optionField(owner: string, path: string): string {
  return `${owner}: option "${path}"`;
}

/**
 * Builds (does not throw) the standard error: field, bad value, what is allowed.
 * @example throw invalidOption('Resources: option "cpu"', "two", 'a number of cores like 2 or "500m"')
 */
export function invalidOption(field: string, value: unknown, expected: string, cause?: unknown): InvalidOptionError {
  const message = `${field}: got ${describeValue(value)}; expected ${expected}.`;
  return cause === undefined ? new InvalidOptionError(message) : new InvalidOptionError(message, { cause });
}

/** Throws unless `value` is a plain options object (not null, not an array, not a class instance); returns it. */
export function checkPlainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(field, value, "an options object");
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw invalidOption(field, value, "a plain options object");
  return value as Record<string, unknown>;
}

/**
 * Throws on the first key of `value` that is not in `allowed`, suggesting the closest allowed key.
 * @example checkKnownKeys({ memroy: "1Gi" }, ["cpu", "memory"], "Resources") // did you mean "memory"?
 */
export function checkKnownKeys(value: object, allowed: readonly string[], owner: string): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const suggestion = closestKey(key, allowed);
    const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
    const bad = describeValue((value as Record<string, unknown>)[key]);
    throw new InvalidOptionError(
      `${owner}: unknown option "${key}" (value ${bad}).${hint} Allowed options: ${allowed.join(", ")}.`,
    );
  }
}

/**
 * Checks a string against an anchored pattern and returns it.
 * @example checkName(x, 'Secret: option "key"', /^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.', '-'")
 */
export function checkName(value: unknown, field: string, pattern: RegExp, describe: string): string {
  if (typeof value !== "string" || !pattern.test(value)) throw invalidOption(field, value, describe);
  return value;
}

/** Checks for a non-empty string (whitespace-only counts as empty) and returns it. */
export function checkNonEmptyString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw invalidOption(field, value, "a non-empty string");
  return value;
}

/** Checks for a safe integer ≥ `min` and returns it. */
export function checkInteger(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw invalidOption(field, value, `an integer ≥ ${min}`);
  }
  return value;
}

/**
 * The allowed key within edit distance 2 of `key` (case-insensitive), preferring the nearest; failing
 * that, one that shares a long start with it, since abbreviations and inflections are common slips.
 */
function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || lower.length < 3) return best;
  // Abbreviations ("mem") and inflections ("retry" for "retries") share a long common start.
  return allowed.find((c) => {
    const other = c.toLowerCase();
    return other.length >= 3 && (other.startsWith(lower) || lower.startsWith(other) || commonPrefix(lower, other) >= 4);
  });
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("memroy" → 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const prev = rows[i - 1] as number[];
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
