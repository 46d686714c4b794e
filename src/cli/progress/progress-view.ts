// createProgressView: what `flyte run --local` feeds every WriteOp of a run to. onOp only folds the op into
// the model (O(1), never writes); one interval timer, created here, does all the drawing: a live tree on a
// terminal, plain lines and summaries elsewhere. finish() stops the timer and draws the final state.
import { InvalidOptionError } from "../../errors/index.js";
import type { WriteOp } from "../../store/index.js";
import { LiveTreeView } from "./live-tree-view.js";
import { PlainLogView } from "./plain-log-view.js";
import { ProgressModel } from "./progress-model.js";

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean | undefined; columns?: number | undefined; rows?: number | undefined };
  /** Live tree when true; plain lines when false (pipes, CI). */
  tty: boolean;
  runName: string;
  /** Print captured log lines live, prefixed with the action (`--follow` / `-v`). */
  follow: boolean;
  /** ANSI colours (the CLI passes false when NO_COLOR is set or not a TTY). */
  color: boolean;
  /** The clock, for tests. */
  now?: () => number;
  /** TTY redraw interval; default 100. */
  refreshMs?: number;
  /** Plain-mode summary interval during bursts; default 2000. */
  summaryEveryMs?: number;
}

export interface ProgressView {
  /** Folds one op of the run into the view; cheap, never throws, never writes. */
  onOp(op: WriteOp): void;
  /** Stops timers, draws the final state once more and leaves the cursor below it. */
  finish(): void;
}

/** Plain mode holds finished actions for this long and then decides: lines, or a burst to summarize. */
const PLAIN_WINDOW_MS = 250;

/**
 * Starts a progress view for one run. Create it outside any task (as the CLI does): the timer keeps the async
 * context it was created in, and inside a task frame the view's own writes would be captured as task output.
 * @example const view = createProgressView({ out: process.stdout, tty: true, runName, follow: false, color: true });
 */
export function createProgressView(options: ProgressOptions): ProgressView {
  const refreshMs = checkInterval("refreshMs", options.refreshMs ?? 100);
  const summaryEveryMs = checkInterval("summaryEveryMs", options.summaryEveryMs ?? 2000);
  if (typeof options.runName !== "string" || options.runName === "") {
    throw new InvalidOptionError(`progress view: "runName" must be a non-empty string, got ${JSON.stringify(options.runName)}`);
  }
  const now = options.now ?? Date.now;
  const since = now();
  const { out } = options;
  let writeFailure: unknown;
  const write = (text: string): void => {
    if (writeFailure !== undefined) return;
    try {
      out.write(text);
    } catch (error) {
      // A closed terminal or pipe must not take the run down with it; the run's outcome is in the store.
      writeFailure = error;
    }
  };

  const view = options.tty
    ? new LiveTreeView({
        write,
        // A terminal whose size is not set (a bare pty) reports 0: treat it as unknown.
        size: () => ({ columns: out.columns || 80, rows: out.rows || 24 }),
        color: options.color,
        follow: options.follow,
        since,
      })
    : new PlainLogView({ write, color: options.color, follow: options.follow, summaryEveryMs, windowMs: PLAIN_WINDOW_MS, since });
  const model = new ProgressModel(options.runName, view);
  view.attach(model);

  const timer = setInterval(() => view.tick(now()), options.tty ? refreshMs : Math.min(PLAIN_WINDOW_MS, summaryEveryMs));
  // The CLI ends the view with finish(); until then an unfinished view must not keep the process alive.
  timer.unref();

  let modelFailure: unknown;
  let finished = false;
  return {
    onOp(op) {
      if (modelFailure !== undefined || finished) return;
      try {
        model.apply(op);
      } catch (error) {
        // The engine calls observers inline and must never fail because of a view; reported by finish().
        modelFailure = error;
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      view.finish(now());
      if (modelFailure !== undefined) {
        const message = modelFailure instanceof Error ? modelFailure.message : String(modelFailure);
        write(`progress view stopped updating after an internal error: ${message}\n`);
      }
    },
  };
}

function checkInterval(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`progress view: "${name}" must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
