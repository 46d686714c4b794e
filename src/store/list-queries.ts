// Validation and filters of the list queries that every RunStore answers, shared so that SQLite and PostgreSQL
// accept the same inputs and reject bad ones with the same message. Filters come out in one fixed column order,
// so each distinct set of filters maps to one statement text that a store can prepare once and reuse.
import type { ActionPhase, ListRunsQuery } from "./types.js";

/** `value` when it is a non-negative integer, `fallback` when undefined; anything else is a caller's bug. */
export function checkCount<F>(method: string, name: string, value: number | undefined, fallback: F): number | F {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${method}: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** The run columns listRuns may filter on, in the order their conditions appear in a statement. */
const RUN_FILTERS = [
  ["project", "project"],
  ["domain", "domain"],
  ["taskName", "task_name"],
  ["phase", "phase"],
] as const satisfies readonly (readonly [keyof ListRunsQuery, string])[];

export interface RunFilter {
  /** Names the set of filters present (e.g. "project,phase"): one statement per key. */
  key: string;
  /** Columns to compare for equality, AND-ed, in RUN_FILTERS order. */
  columns: string[];
  /** The value each column must equal, in the same order. */
  values: (string | ActionPhase)[];
}

/** The equality conditions `query` asks for; an undefined field does not filter. */
export function runFilter(query: ListRunsQuery): RunFilter {
  const columns: string[] = [];
  const values: string[] = [];
  for (const [field, column] of RUN_FILTERS) {
    const value = query[field];
    if (value === undefined) continue;
    if (typeof value !== "string") {
      throw new Error(`listRuns: ${field} must be a string, got ${JSON.stringify(value)}`);
    }
    columns.push(column);
    values.push(value);
  }
  return { key: columns.join(","), columns, values };
}

/** `WHERE a = <p1> AND b = <p2>` (or "" without conditions), numbering placeholders with `placeholder`. */
export function whereClause(columns: readonly string[], placeholder: (index: number) => string): string {
  if (columns.length === 0) return "";
  return `WHERE ${columns.map((column, i) => `${column} = ${placeholder(i)}`).join(" AND ")}`;
}
