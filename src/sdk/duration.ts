// Parses the duration forms users write in options ("30s", "1h30m", 500) into milliseconds.
// Numbers are always milliseconds; string units must appear largest first and at most once, so
// "1h30m" is unambiguous and typos like "30m1h" are rejected rather than guessed at.
import { invalidOption } from "./option-checks.js";

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ["d", "h", "m", "s", "ms"];

const ACCEPTED =
  "a duration: milliseconds as a number ≥ 0 or digit string, " +
  'or a string like "500ms", "30s", "10m", "1h", "2d", "1h30m"';

// "ms" must be tried before "m" so "500ms" is not read as 500 minutes followed by junk.
const PART = /(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/y;

/**
 * Converts a duration option to milliseconds, throwing InvalidOptionError naming `field` otherwise.
 * @example parseDuration("1h30m", 'Task "main": option "timeout"') // => 5_400_000
 */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw invalidOption(field, value, ACCEPTED);
    return value;
  }
  if (typeof value !== "string") throw invalidOption(field, value, ACCEPTED);
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const total = parseUnits(text);
  if (total === undefined) throw invalidOption(field, value, ACCEPTED);
  return total;
}

function parseUnits(text: string): number | undefined {
  if (text === "") return undefined;
  let total = 0;
  let nextUnitIndex = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    const unit = match[2] as Unit;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex < nextUnitIndex) return undefined;
    nextUnitIndex = unitIndex + 1;
    total += Number(match[1]) * UNIT_MS[unit];
    // Allow "1h 30m": skip whitespace between parts without accepting it inside one.
    while (text[PART.lastIndex] === " ") PART.lastIndex++;
  }
  // Fractions like "1.5s" are fine, but timers want whole milliseconds.
  return Number.isFinite(total) ? Math.round(total) : undefined;
}
