// One multi-row statement per WriteOp kind: each group of ops becomes one column array per field, expanded by
// unnest() on the server, so a batch of thousands of ops costs a handful of statements. Texts are fixed, so
// postgres.js prepares each once per connection. Transitions bind a 0/1 "set" flag per optional field: undefined
// keeps the column, null clears it, exactly as in SQLite.
import type { OpKind, OpOf } from "./write-groups.js";
import { errorText, labelsText, storableText } from "./rows.js";

/** A bound value: arrays are sent as PostgreSQL array literals and typed by the casts in the statement text. */
export type Cell = string | number | null;

/** How one group of ops of one kind is written. */
export interface GroupStatement<O> {
  text: string;
  params(ops: readonly O[]): Cell[][];
  /** For updates: given the key columns of the rows that changed, a message naming an op that found no row. */
  missing?(ops: readonly O[], changed: readonly Record<string, unknown>[]): string | undefined;
}

interface Column<T> {
  name: string;
  /** PostgreSQL element type of the column's array parameter. */
  type: "text" | "int4" | "int8" | "int2";
  /** The value to store; `undefined` (optional transition fields only) keeps the stored value. */
  value(item: T): Cell | undefined;
}

const col = <T>(name: string, type: Column<T>["type"], value: (item: T) => Cell | undefined): Column<T> => ({
  name,
  type,
  value,
});

function arrays<T>(columns: readonly Column<T>[], first = 1): string {
  return columns.map((c, i) => `$${i + first}::${c.type}[]`).join(", ");
}

function insert<O, T>(
  table: string,
  item: (op: O) => T,
  columns: readonly Column<T>[],
  conflictKeys?: readonly string[],
): GroupStatement<O> {
  const names = columns.map((c) => c.name);
  const upsert =
    conflictKeys === undefined
      ? ""
      : ` ON CONFLICT (${conflictKeys.join(", ")}) DO UPDATE SET ` +
        names.filter((n) => !conflictKeys.includes(n)).map((n) => `${n} = excluded.${n}`).join(", ");
  // Rows leave unnest() in array order and take identity values in that order: creation order is batch order.
  return {
    text: `INSERT INTO ${table} (${names.join(", ")}) SELECT * FROM unnest(${arrays(columns)})${upsert}`,
    params: (ops) => {
      const items = ops.map(item);
      return columns.map((c) => items.map((it) => c.value(it) ?? null));
    },
  };
}

function update<O, T>(
  table: string,
  item: (op: O) => T,
  spec: { keys: readonly Column<T>[]; always: readonly Column<T>[]; optional?: readonly Column<T>[] },
  describe: (item: T) => string,
): GroupStatement<O> {
  const optional = spec.optional ?? [];
  // 0/1 rather than booleans: postgres.js declares an array whose first element is a boolean as one bool.
  const flags = optional.map((c) => col<T>(`${c.name}_set`, "int2", (it) => (c.value(it) === undefined ? 0 : 1)));
  const columns = [...spec.keys, ...spec.always, ...optional, ...flags];
  const sets = [
    ...spec.always.map((c) => `${c.name} = v.${c.name}`),
    ...optional.map((c) => `${c.name} = CASE WHEN v.${c.name}_set = 1 THEN v.${c.name} ELSE t.${c.name} END`),
  ];
  const keyOf = (values: readonly unknown[]): string => values.map(String).join("\u0000");
  return {
    text:
      `UPDATE ${table} AS t SET ${sets.join(", ")} ` +
      `FROM unnest(${arrays(columns)}) AS v(${columns.map((c) => c.name).join(", ")}) ` +
      `WHERE ${spec.keys.map((k) => `t.${k.name} = v.${k.name}`).join(" AND ")} ` +
      `RETURNING ${spec.keys.map((k) => `t.${k.name}`).join(", ")}`,
    params: (ops) => {
      const items = ops.map(item);
      return columns.map((c) => items.map((it) => c.value(it) ?? null));
    },
    // A transition of a row that was never inserted is an engine bug; storing nothing would hide it.
    missing: (ops, changed) => {
      if (changed.length === ops.length) return undefined;
      const found = new Set(changed.map((row) => keyOf(spec.keys.map((k) => row[k.name]))));
      const lost = ops.map(item).find((it) => !found.has(keyOf(spec.keys.map((k) => k.value(it)))));
      return lost === undefined ? `${table}: ${ops.length - changed.length} rows to update do not exist` : describe(lost);
    },
  };
}

/** Stored form of an optional ErrorRecord field of a transition: undefined stays undefined (keep). */
const errorField = (error: Parameters<typeof errorText>[0] | undefined): Cell | undefined =>
  error === undefined ? undefined : errorText(error);

type RunInsert = OpOf<"run.insert">["run"];
type ActionInsert = OpOf<"action.insert">["action"];
type ActionMove = OpOf<"action.transition">["transition"];
type RunMove = OpOf<"run.transition">["transition"];

const ACTION_KEYS: readonly Column<{ runName: string; name: string }>[] = [
  col("run_name", "text", (a) => a.runName),
  col("name", "text", (a) => a.name),
];

/** The statement of every op kind; `cache.delete` is a plain DELETE ... = ANY and is written by the batch. */
export const GROUP_STATEMENTS: { [K in Exclude<OpKind, "cache.delete">]: GroupStatement<OpOf<K>> } = {
  "run.insert": insert<OpOf<"run.insert">, RunInsert>("runs", (op) => op.run, [
    col("name", "text", (r) => r.name),
    col("project", "text", (r) => r.project),
    col("domain", "text", (r) => r.domain),
    col("task_name", "text", (r) => r.taskName),
    col("phase", "text", (r) => r.phase),
    col("inputs", "text", (r) => r.inputs),
    col("outputs", "text", (r) => r.outputs),
    col("error", "text", (r) => errorText(r.error)),
    col("labels", "text", (r) => labelsText(r.labels)),
    col("created_at", "int8", (r) => r.createdAt),
    col("ended_at", "int8", (r) => r.endedAt),
    col("abort_requested", "text", (r) => r.abortRequested),
  ]),
  "run.transition": update<OpOf<"run.transition">, RunMove>(
    "runs",
    (op) => op.transition,
    {
      keys: [col("name", "text", (t) => t.name)],
      always: [col("phase", "text", (t) => t.phase)],
      optional: [
        col("ended_at", "int8", (t) => t.endedAt),
        col("outputs", "text", (t) => t.outputs),
        col("error", "text", (t) => errorField(t.error)),
      ],
    },
    (t) => `run.transition: there is no run ${t.name}`,
  ),
  "run.requestAbort": update<OpOf<"run.requestAbort">, OpOf<"run.requestAbort">>(
    "runs",
    (op) => op,
    { keys: [col("name", "text", (o) => o.name)], always: [col("abort_requested", "text", (o) => o.reason)] },
    (o) => `run.requestAbort: there is no run ${o.name}`,
  ),
  // An upsert, not DELETE + INSERT: the row keeps its id, hence its place in creation order.
  "action.insert": insert<OpOf<"action.insert">, ActionInsert>(
    "actions",
    (op) => op.action,
    [
      ...ACTION_KEYS,
      col("parent_name", "text", (a) => a.parentName),
      col("type", "text", (a) => a.type),
      col("task_name", "text", (a) => a.taskName),
      col("group_name", "text", (a) => a.group),
      col("seq", "int4", (a) => a.seq),
      col("phase", "text", (a) => a.phase),
      col("attempt", "int4", (a) => a.attempt),
      col("inputs", "text", (a) => a.inputs),
      col("outputs", "text", (a) => a.outputs),
      col("error", "text", (a) => errorText(a.error)),
      col("cache_key", "text", (a) => a.cacheKey),
      col("cache_status", "text", (a) => a.cacheStatus),
      col("created_at", "int8", (a) => a.createdAt),
      col("started_at", "int8", (a) => a.startedAt),
      col("ended_at", "int8", (a) => a.endedAt),
    ],
    ["run_name", "name"],
  ),
  "action.transition": update<OpOf<"action.transition">, ActionMove>(
    "actions",
    (op) => op.transition,
    {
      keys: ACTION_KEYS,
      always: [col("phase", "text", (t) => t.phase), col("attempt", "int4", (t) => t.attempt)],
      optional: [
        col("started_at", "int8", (t) => t.startedAt),
        col("ended_at", "int8", (t) => t.endedAt),
        col("outputs", "text", (t) => t.outputs),
        col("error", "text", (t) => errorField(t.error)),
        col("cache_status", "text", (t) => t.cacheStatus),
      ],
    },
    (t) => `action.transition: run ${t.runName} has no action ${t.name}`,
  ),
  "attempt.insert": insert<OpOf<"attempt.insert">, OpOf<"attempt.insert">["attempt"]>("attempts", (op) => op.attempt, [
    col("run_name", "text", (t) => t.runName),
    col("action_name", "text", (t) => t.actionName),
    col("attempt", "int4", (t) => t.attempt),
    col("phase", "text", (t) => t.phase),
    col("started_at", "int8", (t) => t.startedAt),
    col("ended_at", "int8", (t) => t.endedAt),
    col("error", "text", (t) => errorText(t.error)),
  ]),
  "cache.put": insert<OpOf<"cache.put">, OpOf<"cache.put">["entry"]>(
    "cache_entries",
    (op) => op.entry,
    [
      col("key", "text", (e) => e.key),
      col("task_name", "text", (e) => e.taskName),
      col("outputs", "text", (e) => e.outputs),
      col("created_at", "int8", (e) => e.createdAt),
      col("run_name", "text", (e) => e.runName),
      col("action_name", "text", (e) => e.actionName),
    ],
    ["key"],
  ),
  "log.append": insert<OpOf<"log.append">, OpOf<"log.append">["record"]>("logs", (op) => op.record, [
    col("run_name", "text", (l) => l.runName),
    col("action_name", "text", (l) => l.actionName),
    col("attempt", "int4", (l) => l.attempt),
    col("stream", "text", (l) => l.stream),
    col("ts", "int8", (l) => l.ts),
    col("text", "text", (l) => storableText(l.text)),
  ]),
  "report.put": insert<OpOf<"report.put">, OpOf<"report.put">["report"]>(
    "reports",
    (op) => op.report,
    [
      col("run_name", "text", (p) => p.runName),
      col("action_name", "text", (p) => p.actionName),
      col("attempt", "int4", (p) => p.attempt),
      col("html", "text", (p) => storableText(p.html)),
      col("updated_at", "int8", (p) => p.updatedAt),
    ],
    ["run_name", "action_name", "attempt"],
  ),
};
