// Turns a batch of WriteOps into groups that one multi-row statement each can apply, with the same result as
// applying the ops one by one. Invariants: a group holds ops of one kind on distinct rows; an op lands after every
// earlier op on its row (so insert-then-transition ends transitioned); inserts that take an identity (runs, actions,
// logs) keep their relative order. An op may move ahead of earlier ops on other rows: every statement touches only
// its own rows (no foreign keys, no triggers), so that reorder changes nothing but which error a failing batch reports.
// For the same reason, consecutive groups that write different rows may run as one statement (segmentGroups).
import type { WriteOp } from "../types.js";

export type OpKind = WriteOp["op"];
export type OpOf<K extends OpKind> = Extract<WriteOp, { op: K }>;

/**
 * Ops of one kind, each on a different row. `after` is the index of the last earlier group that writes one of
 * these rows (-1 if none): this group must see that group's effect.
 */
export type OpGroup = { [K in OpKind]: { kind: K; ops: OpOf<K>[]; after: number } }[OpKind];

/** Kinds whose rows take an identity value in statement order: they only ever join the last group of their kind. */
const ORDERED_KINDS: ReadonlySet<OpKind> = new Set(["run.insert", "action.insert", "log.append"]);

/** The row an op writes, tagged with its table; undefined for log lines, which never clash. */
function rowKey(op: WriteOp): string | undefined {
  switch (op.op) {
    case "run.insert":
      return `runs\u0000${op.run.name}`;
    case "run.transition":
      return `runs\u0000${op.transition.name}`;
    case "run.requestAbort":
      return `runs\u0000${op.name}`;
    case "action.insert":
      return `actions\u0000${op.action.runName}\u0000${op.action.name}`;
    case "action.transition":
      return `actions\u0000${op.transition.runName}\u0000${op.transition.name}`;
    case "attempt.insert":
      return `attempts\u0000${op.attempt.runName}\u0000${op.attempt.actionName}\u0000${op.attempt.attempt}`;
    case "cache.put":
      return `cache\u0000${op.entry.key}`;
    case "cache.delete":
      return `cache\u0000${op.key}`;
    case "report.put":
      return `reports\u0000${op.report.runName}\u0000${op.report.actionName}\u0000${op.report.attempt}`;
    case "log.append":
      return undefined;
    default: {
      const unknown: never = op;
      throw new Error(`Unknown write op ${JSON.stringify((unknown as { op?: unknown }).op)}`);
    }
  }
}

/** The first entry of ascending `indexes` greater than `after`, by binary search. */
function firstAfter(indexes: readonly number[], after: number): number | undefined {
  let lo = 0;
  let hi = indexes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((indexes[mid] as number) > after) hi = mid;
    else lo = mid + 1;
  }
  return indexes[lo];
}

/**
 * Groups `ops` into as few statements as the invariants above allow. A batch the engine's group commit builds
 * interleaves many actions' inserts, transitions, attempts and logs; taking only consecutive runs of one kind
 * would cost one statement per op there.
 */
export function groupOps(ops: readonly WriteOp[]): OpGroup[] {
  const groups: { kind: OpKind; ops: WriteOp[]; after: number }[] = [];
  /** Per kind, the indexes of its groups, ascending. */
  const byKind = new Map<OpKind, number[]>();
  /** Per row, the index of the last group that writes it. */
  const lastWrite = new Map<string, number>();
  for (const op of ops) {
    const key = rowKey(op);
    const after = key === undefined ? -1 : (lastWrite.get(key) ?? -1);
    const ofKind = byKind.get(op.op) ?? [];
    let target = ORDERED_KINDS.has(op.op) ? ofKind.at(-1) : firstAfter(ofKind, after);
    if (target === undefined || target <= after) {
      target = groups.length;
      groups.push({ kind: op.op, ops: [], after: -1 });
      ofKind.push(target);
      byKind.set(op.op, ofKind);
    }
    const group = groups[target] as { ops: WriteOp[]; after: number };
    group.ops.push(op);
    if (after > group.after) group.after = after;
    if (key !== undefined) lastWrite.set(key, target);
  }
  // Each group holds ops of its own kind only, which is what OpGroup states.
  return groups as OpGroup[];
}

/**
 * Cuts groups, in order, into runs in which no group writes a row another one writes. The groups of a run need
 * not see each other's effects, so they may run as one statement, whose parts all see the same snapshot.
 */
export function segmentGroups(groups: readonly OpGroup[]): OpGroup[][] {
  const segments: OpGroup[][] = [];
  let start = 0;
  for (const [i, group] of groups.entries()) {
    // A group shares a row with an earlier group of the current run exactly when the last writer of one of its
    // rows is in the run: a row's last writer before this group is the latest earlier group that writes it.
    if (i === 0 || group.after >= start) {
      segments.push([]);
      start = i;
    }
    (segments.at(-1) as OpGroup[]).push(group);
  }
  return segments;
}
