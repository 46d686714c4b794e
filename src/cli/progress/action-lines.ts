// One-line descriptions of progress events, shared by the plain log and the live tree's final report:
// `✓ hello.double [a1b2c3d4] 3ms`, `↻ hello.flaky [..] attempt 1 failed: TypeError: boom; retrying`, log lines
// `[hello.double a1b2c3d4] text`, and the summary / end-of-run lines. Built only when a line is printed.
import type { ErrorRecord } from "../../errors/index.js";
import type { LogRecord } from "../../store/index.js";
import { firstLine, formatCount, formatDuration, paint, phaseSymbol, shortName, wordCounts } from "./progress-format.js";
import type { ActionState, ProgressModel } from "./progress-model.js";

function label(action: ActionState): string {
  return action.type === "trace" ? `trace ${action.taskName}` : action.taskName;
}

function id(name: string, color: boolean): string {
  return paint(color, "dim", `[${shortName(name)}]`);
}

function describeError(name: string | null, message: string | null): string {
  if (name === null) return "";
  return `: ${name}: ${firstLine(message ?? "")}`;
}

/** The line printed when an action reaches a terminal phase. */
export function finishedLine(action: ActionState, color: boolean): string {
  const head = `${phaseSymbol(action.phase, color)} ${label(action)} ${id(action.name, color)}`;
  if (action.phase === "succeeded") {
    if (action.cacheStatus === "hit") return `${head} ${paint(color, "cyan", "cache hit")}`;
    if (action.startedAt === null || action.endedAt === null) return head;
    return `${head} ${formatDuration(action.endedAt - action.startedAt)}`;
  }
  const verb = action.phase === "timed_out" ? "timed out" : action.phase;
  const attempts = action.attempt > 1 ? ` after ${action.attempt} attempts` : "";
  const tone = action.phase === "aborted" ? "gray" : "red";
  return `${head} ${paint(color, tone, `${verb}${attempts}${describeError(action.errorName, action.errorMessage)}`)}`;
}

/** The line printed when an attempt failed and the action is queued for another. */
export function retryLine(action: ActionState, failedAttempt: number, error: ErrorRecord | null, color: boolean): string {
  const why = error ? describeError(error.name, error.message) : "";
  const text = `attempt ${failedAttempt} failed${why}; retrying`;
  return `${phaseSymbol("queued", color)} ${label(action)} ${id(action.name, color)} ${paint(color, "yellow", text)}`;
}

/** Captured output as `[task a1b2c3d4] text`, one entry per line of the record, trailing newline dropped. */
export function logLines(record: LogRecord, action: ActionState | undefined, color: boolean): string[] {
  const text = record.text.endsWith("\n") ? record.text.slice(0, -1) : record.text;
  const who = action ? action.taskName : "?";
  const prefix = paint(color, record.stream === "stderr" ? "yellow" : "dim", `[${who} ${shortName(record.actionName)}]`);
  return text.split("\n").map((line) => `${prefix} ${line.endsWith("\r") ? line.slice(0, -1) : line}`);
}

/** `[2.0s] 1,234 actions: 1,200 succeeded, 30 running, 4 failed`. */
export function summaryLine(model: ProgressModel, elapsedMs: number, color: boolean): string {
  const counts = wordCounts(model.counts);
  return `${paint(color, "dim", `[${formatDuration(elapsedMs)}]`)} ${formatCount(model.total)} actions${counts ? `: ${counts}` : ""}`;
}

/** The last line of a plain log: how the run ended (or that it was still going when the view stopped). */
export function runEndLine(model: ProgressModel, elapsedMs: number, color: boolean): string {
  const phase = model.runPhase ?? "running";
  const ended = phase === "succeeded" || phase === "failed" || phase === "aborted" || phase === "timed_out";
  const state = ended ? `${phase.replace("_", " ")} in` : `still ${phase.replace(/_/g, " ")} after`;
  const counts = wordCounts(model.counts);
  const actions = `${formatCount(model.total)} actions${counts ? `: ${counts}` : ""}`;
  return `${phaseSymbol(phase, color)} run ${paint(color, "bold", model.runName)} ${state} ${formatDuration(elapsedMs)} (${actions})`;
}

/** Said once failed actions stopped being listed one by one. */
export function hiddenFailuresLine(hidden: number, color: boolean): string {
  const noun = hidden === 1 ? "failed action" : "failed actions";
  return paint(color, "red", `… ${formatCount(hidden)} more ${noun} not listed`);
}
