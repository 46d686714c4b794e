// Writes a batch of WriteOps as one transaction in one round trip. Groups from write-groups.ts are cut into runs
// that write different rows; each run is one statement whose groups are CTEs. A batch of one run (every
// latency-bound commit: an insert, an outcome, a one-action run) is one autocommit statement, atomic by itself.
// Longer batches send BEGIN, the statements and COMMIT together without waiting: a failing statement (an update
// that finds no row raises in SQL) aborts the transaction, and PostgreSQL answers the COMMIT with ROLLBACK.
import type { WriteOp } from "../types.js";
import type { PgSql } from "./schema.js";
import { groupOps, segmentGroups, type OpGroup, type OpKind } from "./write-groups.js";
import { KIND_STATEMENTS, type Form, type KindStatement, type Param } from "./write-statements.js";

/**
 * Opens a transaction whose key joins (updates of many rows) are planned for the rows bound this time and done by
 * index lookups. A connection's generic plan, cached while the table was small, keeps its seq scan or its probe of
 * actions_by_parent (every action of the run) as the table grows: measured growing one run to 100,000 actions
 * without ANALYZE, batches of 1,000 inserts + transitions took up to 8 s instead of ~20 ms. A custom plan costs
 * ~0.1 ms of planning, paid only by batches that update several rows of one kind ("one" forms never join). Hash
 * and merge joins stay off: with stale statistics the planner prefers them for big batches though they read the
 * whole table (41 ms instead of 32 ms per 1,000 transitions at 100,000 actions). Sent as one message with BEGIN.
 */
const BEGIN_KEY_JOINS =
  "BEGIN; SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";
/** Distinct combined statements kept: each is prepared on every connection that runs it, so bound them. */
const MAX_COMBINED = 256;
/** SQLSTATE that flyte_assert_rows raises. */
const NO_DATA_FOUND = "P0002";

interface Piece {
  kind: OpKind;
  form: Form;
  ops: readonly WriteOp[];
}

export interface Statement {
  text: string;
  params: Param[];
}

/** The statements of a batch and how to run them: alone in autocommit, or inside `begin` … COMMIT. */
export interface WritePlan {
  statements: Statement[];
  begin: string | undefined;
}

// A group's ops are all of its kind, so the kind's statement takes them.
const statementOf = (kind: OpKind): KindStatement<WriteOp> => KIND_STATEMENTS[kind] as KindStatement<WriteOp>;

const texts = new Map<string, string>();

/** One statement running `pieces` as CTEs (or the lone insert/delete itself), their parameters in order. */
function compose(pieces: readonly Piece[]): string {
  const [only] = pieces;
  if (only !== undefined && pieces.length === 1 && statementOf(only.kind).check === undefined) {
    return statementOf(only.kind).body(only.form, 1);
  }
  const ctes: string[] = [];
  const counts: string[] = [];
  const checks: string[] = [];
  let first = 1;
  for (const [i, piece] of pieces.entries()) {
    const statement = statementOf(piece.kind);
    ctes.push(`g${i} AS (${statement.body(piece.form, first)})`);
    if (statement.check !== undefined) {
      counts.push(`(SELECT count(*) AS n FROM g${i}) AS c${i}`);
      checks.push(statement.check(piece.form, first, `c${i}.n`));
    }
    first += statement.arity;
  }
  // Data-modifying CTEs run to completion whether or not the query reads them.
  const from = counts.length === 0 ? "" : ` FROM ${counts.join(", ")}`;
  return `WITH ${ctes.join(", ")} SELECT ${checks.length === 0 ? "1" : checks.join(", ")}${from}`;
}

/** The text for `pieces`, or undefined once MAX_COMBINED combinations are known and this is a new one. */
function textOf(pieces: readonly Piece[]): string | undefined {
  const key = pieces.map((p) => `${p.kind}/${p.form}`).join(",");
  let text = texts.get(key);
  if (text === undefined && (pieces.length === 1 || texts.size < MAX_COMBINED)) {
    text = compose(pieces);
    texts.set(key, text);
  }
  return text;
}

function statementFor(pieces: readonly Piece[], text: string): Statement {
  return { text, params: pieces.flatMap((p) => statementOf(p.kind).params(p.form, p.ops)) };
}

/** The statements that write `ops` in order, and whether they need a transaction around them. */
export function planWrite(ops: readonly WriteOp[]): WritePlan {
  const statements: Statement[] = [];
  let keyJoins = false;
  for (const segment of segmentGroups(groupOps(ops))) {
    const pieces = segment.map((group: OpGroup): Piece => {
      const form: Form = group.ops.length === 1 ? "one" : "many";
      keyJoins ||= form === "many" && statementOf(group.kind).keyJoin;
      return { kind: group.kind, form, ops: group.ops };
    });
    const text = textOf(pieces);
    if (text !== undefined) statements.push(statementFor(pieces, text));
    else for (const piece of pieces) statements.push(statementFor([piece], textOf([piece]) as string));
  }
  const begin = keyJoins ? BEGIN_KEY_JOINS : statements.length > 1 ? "BEGIN" : undefined;
  return { statements, begin };
}

/** A missing row is an engine bug reported in our words; other errors are the driver's, unchanged. */
function reportable(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === NO_DATA_FOUND) {
    return new Error(error.message, { cause: error });
  }
  return error;
}

/**
 * Writes `ops` in order, all or nothing; rejects with the first statement's error. Parameters are built (as plain
 * strings, numbers and nulls, which the driver cannot fail to send) before anything is sent, so every failure
 * after BEGIN is the server's and aborts the transaction; BEGIN itself fails only with the connection, and then so
 * does everything sent after it.
 */
export async function writeBatch(sql: PgSql, ops: readonly WriteOp[]): Promise<void> {
  const { statements, begin } = planWrite(ops);
  const send = (on: Pick<PgSql, "unsafe">, s: Statement): Promise<unknown> =>
    // execute() sends now, in this order, instead of on the caller's first then().
    on.unsafe(s.text, s.params as never[], { prepare: true }).execute();
  if (begin === undefined) {
    const [only] = statements;
    try {
      if (only !== undefined) await send(sql, only);
    } catch (error) {
      throw reportable(error);
    }
    return;
  }
  const conn = await sql.reserve();
  try {
    const replies = await Promise.allSettled([
      conn.unsafe(begin).execute(),
      ...statements.map((s) => send(conn, s)),
      conn.unsafe("COMMIT").execute(),
    ]);
    const commit = replies.at(-1) as PromiseSettledResult<{ command?: string }>;
    const committed = commit.status === "fulfilled" && commit.value.command === "COMMIT";
    // After a failure the server refuses the rest of the transaction, so the first failure in order is the real one.
    const failed = replies.find((reply) => reply.status === "rejected");
    if (failed !== undefined && committed) {
      // Only a BEGIN or a statement that never reached the server can fail without aborting the transaction.
      throw new Error("A write batch failed without aborting its transaction, and the rest of it committed.", {
        cause: failed.reason,
      });
    }
    if (failed !== undefined) throw reportable(failed.reason);
    if (!committed) {
      const answer = commit.status === "fulfilled" ? String(commit.value.command) : "an error";
      throw new Error(`PostgreSQL answered the write batch's COMMIT with ${answer}; nothing was stored.`);
    }
  } finally {
    conn.release();
  }
}
