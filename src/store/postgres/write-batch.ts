// Applies a batch of WriteOps inside the caller's transaction: each group of ops from write-groups.ts becomes one
// multi-row statement (write-statements.ts), and all statements are pipelined on the connection.
// Invariants: groups run in the order groupOps gives; a failing statement or an update that finds no row throws,
// and the caller's transaction then rolls the whole batch back.
import type { WriteOp } from "../types.js";
import type { PgQueryable } from "./schema.js";
import { groupOps, type OpGroup } from "./write-groups.js";
import { GROUP_STATEMENTS, type GroupStatement } from "./write-statements.js";

const CACHE_DELETE = "DELETE FROM cache_entries WHERE key = ANY($1::text[])";
/**
 * Updates join a batch of keys to a primary key. With stale statistics on a growing table the planner picks a hash
 * join that reads the whole table, a cost that grows with the table (measured: 41 ms instead of 32 ms per 1,000
 * transitions at 100,000 actions); index lookups suit every batch, so this transaction does without the others.
 */
const INDEX_JOINS = "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";
const UPDATE_KINDS: ReadonlySet<OpGroup["kind"]> = new Set(["run.transition", "run.requestAbort", "action.transition"]);

function statementOf(group: OpGroup): GroupStatement<WriteOp> | undefined {
  // GROUP_STATEMENTS[kind] takes ops of exactly that kind, which is what the group holds.
  return group.kind === "cache.delete" ? undefined : (GROUP_STATEMENTS[group.kind] as GroupStatement<WriteOp>);
}

function send(tx: PgQueryable, group: OpGroup): Promise<readonly Record<string, unknown>[]> {
  const statement = statementOf(group);
  const query =
    statement === undefined
      ? tx.unsafe(CACHE_DELETE, [group.ops.map((op) => (op as { key: string }).key)], { prepare: true })
      : tx.unsafe(statement.text, statement.params(group.ops), { prepare: true });
  // execute() sends now, in this order, instead of on the first then() of the caller.
  return query.execute();
}

/**
 * Whether a batch needs an explicit transaction: one insert statement is atomic on its own (autocommit saves the
 * BEGIN and COMMIT round trips), while several statements, or an update whose missing rows are checked
 * afterwards, must be able to roll back.
 */
export function needsTransaction(ops: readonly WriteOp[]): boolean {
  const groups = groupOps(ops);
  return groups.length !== 1 || UPDATE_KINDS.has(groups[0]!.kind);
}

/** Writes `ops` in order through `tx`; throws (leaving `tx` to roll back) on the first op that fails. */
export async function applyWriteBatch(tx: PgQueryable, ops: readonly WriteOp[]): Promise<void> {
  const groups = groupOps(ops);
  // Not awaited one by one: the statements go out back to back, so a batch costs about one round trip. After a
  // failure PostgreSQL refuses the rest of the transaction, so the first failure in order is the real one.
  const setup = groups.some((g) => UPDATE_KINDS.has(g.kind)) ? [tx.unsafe(INDEX_JOINS).execute()] : [];
  const settled = await Promise.allSettled([...setup, ...groups.map((group) => send(tx, group))]);
  for (const [i, result] of settled.entries()) {
    if (result.status === "rejected") throw result.reason;
    const group = groups[i - setup.length];
    if (group === undefined) continue;
    const missing = statementOf(group)?.missing?.(group.ops, result.value);
    if (missing !== undefined) throw new Error(missing);
  }
}
