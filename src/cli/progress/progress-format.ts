// Text primitives of the progress view: phase symbols, colours, durations, counts and width-safe cutting.
// Everything here is called only while rendering (never per op), so it may build strings freely; colour is a
// parameter everywhere so that `color: false` output provably contains no escape codes.
import type { ActionPhase } from "../../store/index.js";

export const ESC = "\x1b[";
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;
export const CLEAR_TO_END = `${ESC}J`;

export type Tone = "green" | "red" | "yellow" | "cyan" | "gray" | "dim" | "bold";

const TONE_CODE: Record<Tone, string> = {
  green: "32",
  red: "31",
  yellow: "33",
  cyan: "36",
  gray: "90",
  dim: "2",
  bold: "1",
};

/** Wraps `text` in an SGR colour when colour is on; the reset is scoped so tones never leak into the next span. */
export function paint(color: boolean, tone: Tone, text: string): string {
  return color ? `${ESC}${TONE_CODE[tone]}m${text}${ESC}0m` : text;
}

export const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

const PHASE_SYMBOL: Record<ActionPhase, string> = {
  queued: "↻",
  waiting_for_resources: "●",
  initializing: "●",
  running: "●",
  succeeded: "✓",
  failed: "✗",
  aborted: "⊘",
  timed_out: "⏱",
};

const PHASE_TONE: Record<ActionPhase, Tone> = {
  queued: "yellow",
  waiting_for_resources: "cyan",
  initializing: "cyan",
  running: "cyan",
  succeeded: "green",
  failed: "red",
  aborted: "gray",
  timed_out: "yellow",
};

/** The coloured symbol of a phase; `spin` replaces ● for active phases with the current spinner frame. */
export function phaseSymbol(phase: ActionPhase, color: boolean, spin?: string): string {
  const active = phase === "running" || phase === "initializing" || phase === "waiting_for_resources";
  return paint(color, PHASE_TONE[phase], active && spin !== undefined ? spin : PHASE_SYMBOL[phase]);
}

/** Order in which phase counts are listed: good news first, then work in flight, then trouble. */
export const COUNT_ORDER: readonly ActionPhase[] = [
  "succeeded",
  "running",
  "initializing",
  "waiting_for_resources",
  "queued",
  "failed",
  "timed_out",
  "aborted",
];

export type PhaseCounts = Record<ActionPhase, number>;

export function emptyCounts(): PhaseCounts {
  return {
    queued: 0,
    waiting_for_resources: 0,
    initializing: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    aborted: 0,
    timed_out: 0,
  };
}

/** `✓ 9,800  ● 150  ✗ 50` — the non-zero counts with their symbols. */
export function symbolCounts(counts: PhaseCounts, color: boolean): string {
  const parts: string[] = [];
  for (const phase of COUNT_ORDER) {
    const n = counts[phase];
    if (n > 0) parts.push(`${phaseSymbol(phase, color)} ${formatCount(n)}`);
  }
  return parts.join("  ");
}

/** `1,200 succeeded, 30 running, 4 failed` — the non-zero counts in words, for plain logs. */
export function wordCounts(counts: PhaseCounts): string {
  const parts: string[] = [];
  for (const phase of COUNT_ORDER) {
    const n = counts[phase];
    if (n > 0) parts.push(`${formatCount(n)} ${phase.replace(/_/g, " ")}`);
  }
  return parts.join(", ");
}

/** 10000 → "10,000"; written out because toLocaleString depends on the machine's ICU data and locale. */
export function formatCount(n: number): string {
  const digits = String(Math.trunc(n));
  const sign = digits.startsWith("-") ? "-" : "";
  const body = sign ? digits.slice(1) : digits;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (i > 0 && (body.length - i) % 3 === 0) out += ",";
    out += body[i];
  }
  return sign + out;
}

/** `850ms`, `3.2s`, `1m04s`, `2h05m`. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)}ms`;
  if (value < 60_000) return `${(Math.floor(value / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(value / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, "0")}m`;
}

/** Action names are 16-hex hashes; eight characters identify one within a run and keep lines short. */
export function shortName(name: string): string {
  return name.length > 8 ? name.slice(0, 8) : name;
}

/** The first line of an error message: a progress line must stay one line. */
export function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end < 0 ? text : text.slice(0, end);
}

/**
 * Cuts a line to `width` visible characters, skipping escape sequences when counting. A cut line ends with
 * "…" and a colour reset, so a tone opened before the cut cannot bleed into the lines below.
 */
export function fitToWidth(line: string, width: number): string {
  if (width <= 0) return "";
  let visible = 0;
  let i = 0;
  let sawEscape = false;
  while (i < line.length) {
    if (line.charCodeAt(i) === 0x1b && line[i + 1] === "[") {
      let j = i + 2;
      while (j < line.length && !/[A-Za-z]/.test(line[j] ?? "")) j++;
      i = j + 1;
      sawEscape = true;
      continue;
    }
    const code = line.codePointAt(i) ?? 0;
    const step = code > 0xffff ? 2 : 1;
    if (visible === width - 1 && hasVisibleAfter(line, i + step)) {
      return `${line.slice(0, i)}…${sawEscape ? `${ESC}0m` : ""}`;
    }
    visible++;
    i += step;
  }
  return line;
}

function hasVisibleAfter(line: string, from: number): boolean {
  let i = from;
  while (i < line.length) {
    if (line.charCodeAt(i) === 0x1b && line[i + 1] === "[") {
      let j = i + 2;
      while (j < line.length && !/[A-Za-z]/.test(line[j] ?? "")) j++;
      i = j + 1;
      continue;
    }
    return true;
  }
  return false;
}
