// Per-action state of one run, folded from the engine's WriteOps in O(1) per op (Map lookups, array pushes,
// counter bumps; no sorting, no string building), plus a tree of groups and sibling sets whose phase counts are
// kept current, so a renderer can draw a 100,000-action run by visiting only the lines it shows.
import type { ErrorRecord } from "../../errors/index.js";
import {
  TERMINAL_PHASES,
  type ActionPhase,
  type ActionRecord,
  type ActionTransition,
  type ActionType,
  type CacheStatus,
  type LogRecord,
  type WriteOp,
} from "../../store/index.js";
import { emptyCounts, type PhaseCounts } from "./progress-format.js";

export interface ActionState {
  readonly name: string;
  readonly parentName: string | null;
  readonly taskName: string;
  readonly type: ActionType;
  readonly group: string | null;
  phase: ActionPhase;
  attempt: number;
  cacheStatus: CacheStatus;
  /** When the action first started; kept across retries so the duration covers all attempts. */
  startedAt: number | null;
  endedAt: number | null;
  /** The last error seen (kept after a retry succeeds, for the record). */
  errorName: string | null;
  errorMessage: string | null;
  /** The sibling set the action is counted in; null only while detached (never after insert). */
  set: SiblingSet | null;
  /** Groups and sibling sets of the action's children; created on the first child. */
  children: ChildList | null;
}

/** Children of one parent (or one group) in first-seen order: groups and sibling sets interleaved. */
export interface ChildList {
  readonly order: Array<GroupNode | SiblingSet>;
  readonly tasks: Map<string, SiblingSet>;
  /** Traces get their own map so that a trace named like a task never shares its set. */
  readonly traces: Map<string, SiblingSet>;
  /** Every group under this parent by full path ("a/b"); only on an action's list, not on a group's. */
  groups: Map<string, GroupNode> | null;
}

/** Actions of one task (or trace) with the same parent and group: what the tree collapses into one line. */
export interface SiblingSet {
  readonly kind: "set";
  readonly taskName: string;
  readonly type: ActionType;
  readonly members: ActionState[];
  readonly counts: PhaseCounts;
  readonly group: GroupNode | null;
}

export interface GroupNode extends ChildList {
  readonly kind: "group";
  readonly path: string;
  /** The last segment of the path, which is what the tree prints under its parent group. */
  readonly label: string;
  readonly parent: GroupNode | null;
  /** Phase counts of every action in the group and its nested groups (not their descendants). */
  readonly counts: PhaseCounts;
}

/** What a view may react to; called synchronously from `apply`, so listeners must only queue work. */
export interface ProgressListener {
  onFinished?(action: ActionState): void;
  onRetry?(action: ActionState, failedAttempt: number, error: ErrorRecord | null): void;
  onLog?(record: LogRecord, action: ActionState | undefined): void;
}

/** How many failed actions the model remembers by reference; the rest are only counted. */
export const REMEMBERED_FAILURES = 20;

export class ProgressModel {
  readonly actions = new Map<string, ActionState>();
  /** Actions without a known parent: the root `a0`, and orphans whose parent was never seen. */
  readonly roots: ChildList = newChildList(true);
  readonly counts: PhaseCounts = emptyCounts();
  total = 0;
  /** Failed and timed-out actions, first ones kept, for views that list failures at the end. */
  readonly failures: ActionState[] = [];
  failureCount = 0;
  runPhase: ActionPhase | null = null;
  runCreatedAt: number | null = null;
  runEndedAt: number | null = null;
  runTaskName: string | null = null;
  /** Bumped by every change, so a renderer can skip redrawing an unchanged state. */
  version = 0;

  constructor(
    readonly runName: string,
    private readonly listener: ProgressListener = {},
  ) {}

  /** Folds one op into the state. Ops of other runs, caches and reports are ignored. */
  apply(op: WriteOp): void {
    switch (op.op) {
      case "run.insert":
        if (op.run.name !== this.runName) return;
        this.runPhase = op.run.phase;
        this.runCreatedAt = op.run.createdAt;
        this.runEndedAt = op.run.endedAt;
        this.runTaskName = op.run.taskName;
        break;
      case "run.transition":
        if (op.transition.name !== this.runName) return;
        this.runPhase = op.transition.phase;
        if (op.transition.endedAt !== undefined) this.runEndedAt = op.transition.endedAt;
        break;
      case "action.insert":
        if (op.action.runName !== this.runName) return;
        this.insert(op.action);
        break;
      case "action.transition":
        if (op.transition.runName !== this.runName) return;
        this.transition(op.transition);
        break;
      case "log.append":
        if (op.record.runName !== this.runName) return;
        this.listener.onLog?.(op.record, this.actions.get(op.record.actionName));
        return;
      default:
        return;
    }
    this.version++;
  }

  private insert(record: ActionRecord): void {
    const existing = this.actions.get(record.name);
    if (existing) {
      // A re-insert (a trace recorded again, a resumed run re-creating a child) replaces the stored row.
      existing.attempt = record.attempt;
      existing.cacheStatus = record.cacheStatus;
      existing.startedAt ??= record.startedAt ?? record.createdAt;
      existing.endedAt = record.endedAt;
      if (record.error) setError(existing, record.error);
      this.setPhase(existing, record.phase);
      return;
    }
    const action: ActionState = {
      name: record.name,
      parentName: record.parentName,
      taskName: record.taskName,
      type: record.type,
      group: record.group,
      phase: record.phase,
      attempt: record.attempt,
      cacheStatus: record.cacheStatus,
      startedAt: record.startedAt ?? record.createdAt,
      endedAt: record.endedAt,
      errorName: record.error?.name ?? null,
      errorMessage: record.error?.message ?? null,
      set: null,
      children: null,
    };
    this.actions.set(action.name, action);
    this.total++;
    this.attach(action);
    this.count(action, record.phase, 1);
    if (TERMINAL_PHASES.has(record.phase)) this.finished(action);
  }

  private transition(change: ActionTransition): void {
    const action = this.actions.get(change.name);
    if (!action) return;
    const previousAttempt = action.attempt;
    action.attempt = change.attempt;
    if (change.startedAt !== undefined) action.startedAt ??= change.startedAt;
    if (change.endedAt !== undefined) action.endedAt = change.endedAt;
    if (change.cacheStatus !== undefined) action.cacheStatus = change.cacheStatus;
    if (change.error) setError(action, change.error);
    const wasTerminal = TERMINAL_PHASES.has(action.phase);
    this.setPhase(action, change.phase);
    if (change.phase === "queued" && change.attempt > previousAttempt) {
      this.listener.onRetry?.(action, change.attempt - 1, change.error ?? null);
    } else if (!wasTerminal && TERMINAL_PHASES.has(change.phase)) {
      this.finished(action);
    }
  }

  private finished(action: ActionState): void {
    if (action.phase === "failed" || action.phase === "timed_out") {
      this.failureCount++;
      if (this.failures.length < REMEMBERED_FAILURES) this.failures.push(action);
    }
    this.listener.onFinished?.(action);
  }

  private setPhase(action: ActionState, phase: ActionPhase): void {
    if (action.phase === phase) return;
    this.count(action, action.phase, -1);
    action.phase = phase;
    this.count(action, phase, 1);
  }

  /** Moves one action's weight in the run, its sibling set and every enclosing group (depth is small). */
  private count(action: ActionState, phase: ActionPhase, delta: number): void {
    this.counts[phase] += delta;
    const set = action.set;
    if (!set) return;
    set.counts[phase] += delta;
    for (let group = set.group; group; group = group.parent) group.counts[phase] += delta;
  }

  private attach(action: ActionState): void {
    const parent = action.parentName === null ? undefined : this.actions.get(action.parentName);
    const list = parent ? (parent.children ??= newChildList(true)) : this.roots;
    const group = action.group === null ? null : ensureGroup(list, action.group);
    const container: ChildList = group ?? list;
    const sets = action.type === "trace" ? container.traces : container.tasks;
    let set = sets.get(action.taskName);
    if (!set) {
      set = { kind: "set", taskName: action.taskName, type: action.type, members: [], counts: emptyCounts(), group };
      sets.set(action.taskName, set);
      container.order.push(set);
    }
    set.members.push(action);
    action.set = set;
  }
}

function newChildList(withGroupIndex: boolean): ChildList {
  return { order: [], tasks: new Map(), traces: new Map(), groups: withGroupIndex ? new Map() : null };
}

/** The group node for `path` under an action, creating it and its enclosing groups on first use. */
function ensureGroup(list: ChildList, path: string): GroupNode {
  const index = (list.groups ??= new Map());
  const known = index.get(path);
  if (known) return known;
  const cut = path.lastIndexOf("/");
  const parent = cut < 0 ? null : ensureGroup(list, path.slice(0, cut));
  const group: GroupNode = {
    kind: "group",
    path,
    label: cut < 0 ? path : path.slice(cut + 1),
    parent,
    counts: emptyCounts(),
    order: [],
    tasks: new Map(),
    traces: new Map(),
    groups: null,
  };
  index.set(path, group);
  (parent ?? list).order.push(group);
  return group;
}

function setError(action: ActionState, error: ErrorRecord): void {
  action.errorName = error.name;
  action.errorMessage = error.message;
}
