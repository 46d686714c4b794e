// The progress view for terminals: the action tree redrawn in place on each tick (cursor up over the last
// frame, clear to the end of the screen, draw), with followed log lines printed above it. The cursor is hidden
// from the first frame until finish(), which the CLI must call on every exit path (SIGINT included).
import type { LogRecord } from "../../store/index.js";
import { finishedLine, hiddenFailuresLine, logLines } from "./action-lines.js";
import { CLEAR_TO_END, ESC, HIDE_CURSOR, SHOW_CURSOR, SPINNER } from "./progress-format.js";
import type { ActionState, ProgressListener, ProgressModel } from "./progress-model.js";
import { COLLAPSE_ABOVE, renderTreeFrame } from "./tree-lines.js";

export interface LiveTreeOptions {
  write(text: string): void;
  /** Read on every frame, so a resized terminal is honoured from the next frame on. */
  size(): { columns: number; rows: number };
  color: boolean;
  follow: boolean;
  /** When the view started: the elapsed time's origin until the run's creation time is known. */
  since: number;
}

interface PendingLog {
  record: LogRecord;
  action: ActionState | undefined;
}

export class LiveTreeView implements ProgressListener {
  private model: ProgressModel | undefined;
  private pendingLogs: PendingLog[] = [];
  /** Lines of the frame on screen, which the next frame moves up over. */
  private drawnLines = 0;
  private drawnVersion = -1;
  private cursorHidden = false;
  private spinFrame = 0;
  private lastFrameTruncated = false;
  private finished = false;

  constructor(private readonly options: LiveTreeOptions) {}

  /** The model is created with this view as its listener, so it is attached afterwards. */
  attach(model: ProgressModel): void {
    this.model = model;
  }

  onLog(record: LogRecord, action: ActionState | undefined): void {
    if (this.options.follow) this.pendingLogs.push({ record, action });
  }

  /** Draws a frame when something changed, a log line waits, or a spinner has to turn. */
  tick(now: number): void {
    if (this.finished || !this.model) return;
    const { counts } = this.model;
    const active = counts.running + counts.initializing + counts.waiting_for_resources > 0 || this.model.runPhase === "running";
    if (this.model.version === this.drawnVersion && this.pendingLogs.length === 0 && !active) return;
    this.spinFrame = (this.spinFrame + 1) % SPINNER.length;
    this.options.write(this.frame(now, SPINNER[this.spinFrame]));
  }

  /** Draws the final frame (no spinner), lists failures the tree could not show, and restores the cursor. */
  finish(now: number): void {
    if (this.finished) return;
    this.finished = true;
    let text = this.model ? this.frame(now, undefined) : "";
    const failures = this.model ? this.unseenFailures(this.model) : [];
    if (failures.length > 0 && this.model) {
      const lines = failures.map((action) => finishedLine(action, this.options.color));
      const unlisted = this.model.failureCount - failures.length;
      if (unlisted > 0) lines.push(hiddenFailuresLine(unlisted, this.options.color));
      text += `${lines.join("\n")}\n`;
    }
    // Written even when no frame was drawn: showing the cursor is harmless and finish() must never leave it off.
    this.options.write(`${text}${SHOW_CURSOR}`);
    this.cursorHidden = false;
  }

  private frame(now: number, spin: string | undefined): string {
    const model = this.model;
    if (!model) return "";
    let text = "";
    if (!this.cursorHidden) {
      text += HIDE_CURSOR;
      this.cursorHidden = true;
    }
    if (this.drawnLines > 0) text += `${ESC}${this.drawnLines}A\r${CLEAR_TO_END}`;
    if (this.pendingLogs.length > 0) {
      const logs: string[] = [];
      for (const { record, action } of this.pendingLogs) logs.push(...logLines(record, action, this.options.color));
      this.pendingLogs = [];
      text += `${logs.join("\n")}\n`;
    }
    const { columns, rows } = this.options.size();
    const { lines, truncated } = renderTreeFrame(model, {
      maxLines: rows - 1,
      columns,
      now,
      color: this.options.color,
      spin: spin ?? "●",
      since: this.options.since,
    });
    this.lastFrameTruncated = truncated;
    this.drawnLines = lines.length;
    this.drawnVersion = model.version;
    return `${text}${lines.join("\n")}\n`;
  }

  /** Failed actions that the final tree folded into a count or cut off, so their errors are still printed. */
  private unseenFailures(model: ProgressModel): ActionState[] {
    if (model.failureCount === 0) return [];
    const hidden = model.failures.some((action) => (action.set?.members.length ?? 0) > COLLAPSE_ABOVE);
    return hidden || this.lastFrameTruncated || model.failureCount > model.failures.length ? model.failures : [];
  }
}
