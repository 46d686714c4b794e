// Draws the model as a budgeted list of lines: root task, children by group, sibling sets of more than
// COLLAPSE_ABOVE actions folded into one line of phase counts, then a footer. The walk stops as soon as the
// budget is spent, so a frame costs O(lines shown), never O(actions).
import type { ActionPhase } from "../../store/index.js";
import {
  COUNT_ORDER,
  fitToWidth,
  firstLine,
  formatCount,
  formatDuration,
  paint,
  phaseSymbol,
  symbolCounts,
  type PhaseCounts,
} from "./progress-format.js";
import type { ActionState, ChildList, ProgressModel, SiblingSet } from "./progress-model.js";

/** Sibling sets larger than this are drawn as one line with counts per phase. */
export const COLLAPSE_ABOVE = 8;

export interface TreeFrameOptions {
  /** Most lines to return, footer included (the live view passes rows - 1). */
  maxLines: number;
  /** Terminal columns; every line is cut to fit. */
  columns: number;
  now: number;
  color: boolean;
  /** The spinner frame drawn for running actions. */
  spin: string;
  /** When the view started: the elapsed time's origin until the run's own creation time is known. */
  since: number;
}

export interface TreeFrame {
  /** The tree and its footer, without newlines; never more than `maxLines`, none wider than `columns`. */
  lines: string[];
  /** Whether the budget cut the tree (its last line then says how many actions are not shown). */
  truncated: boolean;
}

export function renderTreeFrame(model: ProgressModel, options: TreeFrameOptions): TreeFrame {
  const maxLines = Math.max(1, Math.floor(options.maxLines));
  const walker = new TreeWalker(model, options, maxLines - 1);
  walker.visitList(model.roots, "");
  const lines = walker.finishLines();
  lines.push(footerLine(model, options));
  // One column is kept free: a line that fills the last column makes some terminals wrap, adding a line
  // the cursor-up of the next redraw would not know about.
  const width = Math.max(1, (options.columns || 80) - 1);
  return { lines: lines.map((line) => fitToWidth(line, width)), truncated: walker.truncated };
}

class TreeWalker {
  private readonly lines: string[] = [];
  /** How many actions each emitted line stands for, to say how many the "… N more" line hides. */
  private readonly weights: number[] = [];
  private represented = 0;
  private full = false;

  get truncated(): boolean {
    return this.full;
  }

  constructor(
    private readonly model: ProgressModel,
    private readonly options: TreeFrameOptions,
    private readonly budget: number,
  ) {}

  visitList(list: ChildList, indent: string): void {
    for (const entry of list.order) {
      if (this.full) return;
      if (entry.kind === "group") {
        this.emit(`${indent}${paint(this.options.color, "bold", "▾")} ${entry.label}  ${symbolCounts(entry.counts, this.options.color)}`, 0);
        this.visitList(entry, `${indent}  `);
      } else if (entry.members.length > COLLAPSE_ABOVE) {
        this.emit(this.collapsedLine(entry, indent), entry.members.length);
      } else {
        for (const action of entry.members) {
          if (this.full) return;
          this.emit(this.actionLine(action, indent), 1);
          if (action.children) this.visitList(action.children, `${indent}  `);
        }
      }
    }
  }

  finishLines(): string[] {
    if (!this.full) return this.lines;
    // The last line shown gives way to the marker, so the marker itself stays inside the budget.
    if (this.lines.length > 0) {
      this.lines.pop();
      this.represented -= this.weights.pop() ?? 0;
    }
    const hidden = this.model.total - this.represented;
    const marker = hidden > 0 ? `… ${formatCount(hidden)} more` : "… more";
    if (this.budget > 0) this.lines.push(paint(this.options.color, "dim", marker));
    return this.lines;
  }

  private emit(line: string, weight: number): void {
    if (this.lines.length >= this.budget) {
      this.full = true;
      return;
    }
    this.lines.push(line);
    this.weights.push(weight);
    this.represented += weight;
  }

  private actionLine(action: ActionState, indent: string): string {
    const { color, now, spin } = this.options;
    let line = `${indent}${phaseSymbol(action.phase, color, spin)} ${label(action.type, action.taskName)}`;
    if (action.attempt > 1) line += paint(color, "yellow", ` (attempt ${action.attempt})`);
    if (action.cacheStatus === "hit") {
      line += `  ${paint(color, "cyan", "cache hit")}`;
    } else if (action.startedAt !== null) {
      line += `  ${paint(color, "dim", formatDuration((action.endedAt ?? now) - action.startedAt))}`;
    }
    if (action.errorName !== null && action.phase !== "succeeded" && action.phase !== "running") {
      const what = `${action.errorName}: ${firstLine(action.errorMessage ?? "")}`;
      line += `  ${paint(color, action.phase === "queued" ? "yellow" : "red", action.phase === "queued" ? `retrying after ${what}` : what)}`;
    }
    return line;
  }

  private collapsedLine(set: SiblingSet, indent: string): string {
    const { color, spin } = this.options;
    const symbol = phaseSymbol(dominantPhase(set.counts), color, spin);
    return `${indent}${symbol} ${label(set.type, set.taskName)} ×${formatCount(set.members.length)}  ${symbolCounts(set.counts, color)}`;
  }
}

function label(type: ActionState["type"], taskName: string): string {
  return type === "trace" ? `trace ${taskName}` : taskName;
}

/** The phase a folded line is shown as: work in flight wins, then trouble, then success. */
function dominantPhase(counts: PhaseCounts): ActionPhase {
  // COUNT_ORDER lists success first, then work in flight, then trouble: skip success and take the first present.
  for (const phase of COUNT_ORDER) if (phase !== "succeeded" && counts[phase] > 0) return phase;
  return "succeeded";
}

/** `● r1a2b3  3.2s  10,001 actions  ✓ 9,800  ● 150  ✗ 50`. */
export function footerLine(model: ProgressModel, options: Pick<TreeFrameOptions, "now" | "color" | "spin" | "since">): string {
  const { color, now, spin } = options;
  const symbol = phaseSymbol(model.runPhase ?? "running", color, spin);
  const elapsed = formatDuration(runElapsed(model, now, options.since));
  const counts = symbolCounts(model.counts, color);
  return `${symbol} ${paint(color, "bold", model.runName)}  ${elapsed}  ${formatCount(model.total)} actions${counts ? `  ${counts}` : ""}`;
}

/** Time since the run was created (or since the view started seeing it), up to its end when it has ended. */
export function runElapsed(model: ProgressModel, now: number, since: number): number {
  const start = model.runCreatedAt ?? since;
  return (model.runEndedAt ?? now) - start;
}
