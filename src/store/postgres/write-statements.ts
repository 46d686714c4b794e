// One data-modifying statement per WriteOp kind, in two forms: "one" binds a single op's fields as scalars, "many"
// binds one array per column, expanded by unnest() on the server, so a group of thousands of ops is one statement.
// write-batch.ts runs a statement alone or as one CTE of a larger statement, so parameters are numbered from the
// position it is given; texts depend only on (kind, form, position), so postgres.js prepares each once per
// connection. Transitions bind a 0/1 "set" flag per optional field: undefined keeps the column, null clears it,
// exactly as in SQLite. Updates check their row count in SQL (flyte_assert_rows, migration V2), so a missing row
// aborts the transaction on the server and no client-side check stands between the statements and COMMIT.
import type { OpKind, OpOf } from "./write-groups.js";
import { errorText, labelsText, storableText } from "./rows.js";

/** A bound value: arrays are sent as PostgreSQL array literals and typed by the casts in the statement text. */
export type Cell = string | number | null;
/** One parameter: a scalar in the "one" form, an array (one element per op) in the "many" form. */
export type Param = Cell | Cell[];
/** "one": a group of a single op, bound as scalars (plans never join); "many": any group, bound as arrays. */
export type Form = "one" | "many";

/** How a group of ops of one kind is written. */
export interface KindStatement<O> {
  /** Parameters the statement binds, the same in both forms. */
  readonly arity: number;
  /**
   * Whether the "many" form joins its rows to the table by key. Such a plan depends on the table's size, so it
   * must not be a generic plan cached while the table was small (see write-batch.ts).
   */
  readonly keyJoin: boolean;
  /** The INSERT, UPDATE or DELETE with parameters numbered from `first`; an update RETURNs a row per row changed. */
  body(form: Form, first: number): string;
  /** The values to bind; the "one" form takes exactly one op. */
  params(form: Form, ops: readonly O[]): Param[];
  /**
   * Updates: an SQL expression that raises no_data_found, naming the first op whose row does not exist, unless
   * `count` (an expression: the number of rows the update returned) equals the number of ops.
   */
  check?(form: Form, first: number, count: string): string;
}

interface Column<T> {
  name: string;
  /** PostgreSQL type of the column's scalar parameter ("many" binds an array of it). */
  type: "text" | "int4" | "int8" | "int2";
  /** The value to store; `undefined` (optional transition fields only) keeps the stored value. */
  value(item: T): Cell | undefined;
}

const col = <T>(name: string, type: Column<T>["type"], value: (item: T) => Cell | undefined): Column<T> => ({
  name,
  type,
  value,
});

/** The typed reference to parameter `n` in `form`. */
const ref = (form: Form, n: number, type: Column<unknown>["type"]): string =>
  form === "one" ? `$${n}::${type}` : `$${n}::${type}[]`;

/** SQL string literal of a fixed text (our own templates only). */
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function bind<O, T>(columns: readonly Column<T>[], item: (op: O) => T): KindStatement<O>["params"] {
  return (form, ops) => {
    if (form === "one") {
      const [op] = ops;
      if (op === undefined || ops.length !== 1) throw new Error(`The "one" form binds one op, got ${ops.length}`);
      const it = item(op);
      return columns.map((c) => c.value(it) ?? null);
    }
    const items = ops.map(item);
    return columns.map((c) => items.map((it) => c.value(it) ?? null));
  };
}

function insert<O, T>(
  table: string,
  item: (op: O) => T,
  columns: readonly Column<T>[],
  conflictKeys?: readonly string[],
): KindStatement<O> {
  const names = columns.map((c) => c.name);
  const upsert =
    conflictKeys === undefined
      ? ""
      : ` ON CONFLICT (${conflictKeys.join(", ")}) DO UPDATE SET ` +
        names.filter((n) => !conflictKeys.includes(n)).map((n) => `${n} = excluded.${n}`).join(", ");
  return {
    arity: columns.length,
    keyJoin: false,
    // Rows leave unnest() in array order and take identity values in that order: creation order is batch order.
    body: (form, first) => {
      const refs = columns.map((c, i) => ref(form, first + i, c.type)).join(", ");
      const source = form === "one" ? `VALUES (${refs})` : `SELECT * FROM unnest(${refs})`;
      return `INSERT INTO ${table} (${names.join(", ")}) ${source}${upsert}`;
    },
    params: bind(columns, item),
  };
}

function update<O, T>(
  table: string,
  item: (op: O) => T,
  spec: { keys: readonly Column<T>[]; always: readonly Column<T>[]; optional?: readonly Column<T>[] },
  /** format() template naming the missing row, one %s per key column. */
  missing: string,
): KindStatement<O> {
  const optional = spec.optional ?? [];
  // 0/1 rather than booleans: postgres.js declares an array whose first element is a boolean as one bool.
  const flags = optional.map((c) => col<T>(`${c.name}_set`, "int2", (it) => (c.value(it) === undefined ? 0 : 1)));
  const columns = [...spec.keys, ...spec.always, ...optional, ...flags];
  const keys = spec.keys.map((k) => k.name);
  const position = (name: string): number => columns.findIndex((c) => c.name === name);
  return {
    arity: columns.length,
    keyJoin: true,
    body: (form, first) => {
      // "one" names each parameter where it is used; "many" names the column of the unnest()ed row v.
      const value = (name: string): string => {
        const i = position(name);
        return form === "one" ? ref("one", first + i, (columns[i] as Column<T>).type) : `v.${name}`;
      };
      const sets = [
        ...spec.always.map((c) => `${c.name} = ${value(c.name)}`),
        ...optional.map((c) => `${c.name} = CASE WHEN ${value(`${c.name}_set`)} = 1 THEN ${value(c.name)} ELSE t.${c.name} END`),
      ];
      const from =
        form === "one"
          ? ""
          : ` FROM unnest(${columns.map((c, i) => ref(form, first + i, c.type)).join(", ")}) AS v(${columns.map((c) => c.name).join(", ")})`;
      return (
        `UPDATE ${table} AS t SET ${sets.join(", ")}${from} ` +
        `WHERE ${keys.map((k) => `t.${k} = ${value(k)}`).join(" AND ")} ` +
        "RETURNING 1"
      );
    },
    params: bind(columns, item),
    // A transition of a row that was never inserted is an engine bug; storing nothing would hide it. The message
    // is only built (CASE) when a row is missing; for "many" it names the first op, in group order, whose row the
    // statement's snapshot lacks (by primary key: an anti-join with the returned keys would be quadratic without
    // hash joins). No other part of the statement writes these rows, so the snapshot is what the update saw.
    check: (form, first, count) => {
      const keyRefs = spec.keys.map((k, i) => ref(form, first + i, k.type));
      if (form === "one") {
        return `flyte_assert_rows(1, ${count}, CASE WHEN ${count} <> 1 THEN format(${literal(missing)}, ${keyRefs.join(", ")}) END)`;
      }
      const expected = `cardinality(${keyRefs[0] ?? "NULL"})`;
      const lost =
        `SELECT format(${literal(missing)}, ${keys.map((k) => `k.${k}`).join(", ")}) ` +
        `FROM unnest(${keyRefs.join(", ")}) WITH ORDINALITY AS k(${keys.join(", ")}, i) ` +
        `WHERE NOT EXISTS (SELECT FROM ${table} AS r WHERE ${keys.map((k) => `r.${k} = k.${k}`).join(" AND ")}) ` +
        "ORDER BY k.i LIMIT 1";
      const fallback = literal(`${table}: rows to update do not exist`);
      return `flyte_assert_rows(${expected}, ${count}, CASE WHEN ${count} <> ${expected} THEN coalesce((${lost}), ${fallback}) END)`;
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

/** The statement of every op kind. */
export const KIND_STATEMENTS: { [K in OpKind]: KindStatement<OpOf<K>> } = {
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
    "run.transition: there is no run %s",
  ),
  "run.requestAbort": update<OpOf<"run.requestAbort">, OpOf<"run.requestAbort">>(
    "runs",
    (op) => op,
    { keys: [col("name", "text", (o) => o.name)], always: [col("abort_requested", "text", (o) => o.reason)] },
    "run.requestAbort: there is no run %s",
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
    "action.transition: run %s has no action %s",
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
  // = ANY(array) plans an index scan of the primary key even on an empty table, so it needs no key join.
  "cache.delete": {
    arity: 1,
    keyJoin: false,
    body: (form, first) =>
      `DELETE FROM cache_entries WHERE ${form === "one" ? `key = $${first}::text` : `key = ANY($${first}::text[])`}`,
    params: bind([col<OpOf<"cache.delete">>("key", "text", (op) => op.key)], (op) => op),
  },
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
