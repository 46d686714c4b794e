// The progress view for pipes and CI: one line per finished action while actions finish slowly; when they
// finish faster than MAX_LINES_PER_SECOND, a summary line every `summaryEveryMs` instead. Events are held for
// one short window and the window decides, so a burst never prints its first hundreds of lines. Failures are
// always listed (the first MAX_LISTED_FAILURES, then a count); followed log lines are always printed.
import type { ErrorRecord } from "../../errors/index.js";
import type { LogRecord } from "../../store/index.js";
import { finishedLine, hiddenFailuresLine, logLines, retryLine, runEndLine, summaryLine } from "./action-lines.js";
import type { ActionState, ProgressListener, ProgressModel } from "./progress-model.js";
import { runElapsed } from "./tree-lines.js";

/** Above this rate of finished actions, per-action lines give way to summaries. */
export const MAX_LINES_PER_SECOND = 50;
/** Failed actions listed one by one even during a burst; later ones are only counted. */
export const MAX_LISTED_FAILURES = 20;
/** Quiet windows in a row before per-action lines resume, so a bursty run does not flip back and forth. */
const QUIET_WINDOWS_TO_RESUME = 4;

type Entry =
  | { kind: "finished"; action: ActionState; failure: boolean; pinned: boolean }
  | { kind: "retry"; action: ActionState; failedAttempt: number; error: ErrorRecord | null }
  | { kind: "log"; record: LogRecord; action: ActionState | undefined };

export interface PlainLogOptions {
  write(text: string): void;
  color: boolean;
  follow: boolean;
  summaryEveryMs: number;
  windowMs: number;
  /** When the view started: the elapsed time's origin until the run's creation time is known. */
  since: number;
}

export class PlainLogView implements ProgressListener {
  private model: ProgressModel | undefined;
  private entries: Entry[] = [];
  /** Per-action events (finishes and retries) seen in the current window, stored or not. */
  private windowEvents = 0;
  private readonly threshold: number;
  private summarizing = false;
  private quietWindows = 0;
  private lastSummaryAt = 0;
  private pinnedFailures = 0;
  private hiddenFailures = 0;
  private finished = false;

  constructor(private readonly options: PlainLogOptions) {
    this.threshold = Math.max(1, Math.ceil((MAX_LINES_PER_SECOND * options.windowMs) / 1000));
  }

  /** The model is created with this view as its listener, so it is attached afterwards. */
  attach(model: ProgressModel): void {
    this.model = model;
  }

  onFinished(action: ActionState): void {
    this.windowEvents++;
    const failure = action.phase === "failed" || action.phase === "timed_out";
    if (failure && this.pinnedFailures < MAX_LISTED_FAILURES) {
      this.pinnedFailures++;
      this.entries.push({ kind: "finished", action, failure, pinned: true });
    } else if (this.mayStore()) {
      this.entries.push({ kind: "finished", action, failure, pinned: false });
    } else if (failure) {
      this.hiddenFailures++;
    }
  }

  onRetry(action: ActionState, failedAttempt: number, error: ErrorRecord | null): void {
    this.windowEvents++;
    if (this.mayStore()) this.entries.push({ kind: "retry", action, failedAttempt, error });
  }

  onLog(record: LogRecord, action: ActionState | undefined): void {
    if (this.options.follow) this.entries.push({ kind: "log", record, action });
  }

  /** Ends a window: prints its lines, or its failures and logs plus a summary when it was a burst. */
  tick(now: number): void {
    if (this.finished) return;
    const lines = this.closeWindow(now, false);
    if (lines.length > 0) this.options.write(`${lines.join("\n")}\n`);
  }

  /** Prints what is pending, the count of unlisted failures and how the run ended. */
  finish(now: number): void {
    if (this.finished) return;
    const lines = this.closeWindow(now, true);
    this.finished = true;
    if (this.hiddenFailures > 0) lines.push(hiddenFailuresLine(this.hiddenFailures, this.options.color));
    if (this.model) lines.push(runEndLine(this.model, runElapsed(this.model, now, this.options.since), this.options.color));
    if (lines.length > 0) this.options.write(`${lines.join("\n")}\n`);
  }

  /** Beyond the threshold the window is a burst whatever comes next, so nothing more needs keeping. */
  private mayStore(): boolean {
    return !this.summarizing && this.windowEvents <= this.threshold;
  }

  private closeWindow(now: number, final: boolean): string[] {
    const burst = this.windowEvents > this.threshold;
    this.windowEvents = 0;
    let summaryDue = false;
    if (!this.summarizing && burst) {
      this.summarizing = true;
      this.quietWindows = 0;
      summaryDue = true;
    } else if (this.summarizing) {
      this.quietWindows = burst ? 0 : this.quietWindows + 1;
      summaryDue = now - this.lastSummaryAt >= this.options.summaryEveryMs;
    }
    const { color } = this.options;
    const lines: string[] = [];
    const entries = this.entries;
    this.entries = [];
    for (const entry of entries) {
      if (entry.kind === "log") {
        lines.push(...logLines(entry.record, entry.action, color));
      } else if (entry.kind === "retry") {
        if (!this.summarizing) lines.push(retryLine(entry.action, entry.failedAttempt, entry.error, color));
      } else if (entry.pinned || !this.summarizing) {
        lines.push(finishedLine(entry.action, color));
      } else if (entry.failure) {
        this.hiddenFailures++;
      }
    }
    // The end-of-run line carries the final counts, so a last summary would only repeat it.
    if (!this.summarizing || final || !this.model) return lines;
    const resume = this.quietWindows >= QUIET_WINDOWS_TO_RESUME;
    if (summaryDue || resume) {
      lines.push(summaryLine(this.model, runElapsed(this.model, now, this.options.since), color));
      this.lastSummaryAt = now;
    }
    if (resume) this.summarizing = false;
    return lines;
  }
}
