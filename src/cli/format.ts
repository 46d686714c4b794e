// How the CLI prints values, durations, errors and action trees. Values are shown as JSON; the codec's extra
// types get their natural JSON spelling (Date → ISO string, Map → entries, bytes → base64).
import type { ErrorRecord } from "../errors/index.js";
import type { ActionRecord } from "../store/index.js";
import { formatDuration } from "./progress/index.js";

export { formatDuration };

export function toDisplayJson(value: unknown, indent = 2): string {
  return (
    JSON.stringify(
      value,
      function (this: unknown, key: string, v: unknown) {
        const raw = (this as Record<string, unknown>)[key];
        if (raw instanceof Date) return raw.toISOString();
        if (typeof v === "bigint") return v.toString();
        if (v instanceof Map) return [...v.entries()];
        if (v instanceof Set) return [...v];
        if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
        if (v === undefined) return null;
        return v;
      },
      indent,
    ) ?? "null"
  );
}


export function formatError(error: ErrorRecord): string {
  return `${error.name} [${error.kind}/${error.code}]: ${error.message}`;
}

const SYMBOL: Record<string, string> = {
  succeeded: "✓",
  failed: "✗",
  aborted: "⊘",
  timed_out: "⏱",
  running: "●",
  queued: "↻",
  waiting_for_resources: "…",
  initializing: "…",
};

function actionLine(action: ActionRecord): string {
  const what = action.type === "trace" ? `trace ${action.taskName}` : action.taskName;
  const duration = action.startedAt !== null && action.endedAt !== null ? ` ${formatDuration(action.endedAt - action.startedAt)}` : "";
  const extras = [
    action.attempt > 1 ? `attempt ${action.attempt}` : "",
    action.cacheStatus === "hit" ? "cache hit" : "",
    action.error ? `${action.error.name}: ${action.error.message}` : "",
  ].filter(Boolean);
  return `${SYMBOL[action.phase] ?? "?"} ${what} [${action.name}]${duration}${extras.length > 0 ? `  (${extras.join(", ")})` : ""}`;
}

/** The run's actions as an indented tree, children under their parent, grouped by `flyte.group`. */
export function renderActionTree(actions: readonly ActionRecord[], maxSiblings = 50): string {
  const children = new Map<string | null, ActionRecord[]>();
  for (const action of actions) {
    const list = children.get(action.parentName);
    if (list) list.push(action);
    else children.set(action.parentName, [action]);
  }
  const lines: string[] = [];
  const visit = (parent: string | null, indent: string): void => {
    const kids = children.get(parent) ?? [];
    let group: string | null = null;
    let shown = 0;
    for (const action of kids) {
      if (action.group !== group) {
        group = action.group;
        if (group !== null) lines.push(`${indent}▸ group ${group}`);
      }
      const pad = group === null ? indent : `${indent}  `;
      if (shown++ >= maxSiblings) continue;
      lines.push(pad + actionLine(action));
      visit(action.name, `${pad}  `);
    }
    if (shown > maxSiblings) lines.push(`${indent}… ${shown - maxSiblings} more (flyte get run --json lists them all)`);
  };
  visit(null, "");
  return lines.join("\n");
}

/** The action that caused a failure: a failed action none of whose children failed (the deepest cause). */
export function failingAction(actions: readonly ActionRecord[]): ActionRecord | undefined {
  const failed = actions.filter((a) => a.phase === "failed" || a.phase === "timed_out" || a.phase === "aborted");
  const parentsOfFailures = new Set(failed.map((a) => a.parentName));
  return failed.find((a) => !parentsOfFailures.has(a.name)) ?? failed[0];
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. The first row is usually a header. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd());
}
