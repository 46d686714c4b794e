// TimeoutPolicy: limits on how long an action may run and how long it may wait to start.
// normalizeTimeout accepts the `timeout` option forms; null means "no limit".
import { parseDuration } from "./duration.js";
import { checkKnownKeys, checkPlainObject, invalidOption, optionField } from "./option-checks.js";

/** A normalised timeout; each limit is in milliseconds, or null for none. */
export interface TimeoutPolicy {
  readonly maxRuntimeMs: number | null;
  readonly maxQueuedMs: number | null;
}

/** The `timeout` option: a duration (max runtime) or both limits. */
export type TimeoutOption =
  | number
  | string
  | { maxRuntime?: number | string | undefined; maxQueued?: number | string | undefined };

const TIMEOUT_FORMS = 'a duration like "10m" (max runtime) or { maxRuntime?, maxQueued? }';

/**
 * Normalises a `timeout` option; undefined means no limits.
 * @example normalizeTimeout("10m", 'Task "main"') // => { maxRuntimeMs: 600000, maxQueuedMs: null }
 */
export function normalizeTimeout(value: unknown, owner: string): TimeoutPolicy {
  const field = optionField(owner, "timeout");
  if (value === undefined) return Object.freeze({ maxRuntimeMs: null, maxQueuedMs: null });
  if (typeof value === "number" || typeof value === "string") {
    return Object.freeze({ maxRuntimeMs: positiveDuration(value, field), maxQueuedMs: null });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(field, value, TIMEOUT_FORMS);
  }
  const options = checkPlainObject(value, field);
  checkKnownKeys(options, ["maxRuntime", "maxQueued"], field);
  const limit = (key: "maxRuntime" | "maxQueued"): number | null =>
    options[key] === undefined ? null : positiveDuration(options[key], optionField(owner, `timeout.${key}`));
  return Object.freeze({ maxRuntimeMs: limit("maxRuntime"), maxQueuedMs: limit("maxQueued") });
}

// A zero timeout would fail every action before it starts; it is always a mistake.
function positiveDuration(value: unknown, field: string): number {
  const ms = parseDuration(value, field);
  if (ms <= 0) throw invalidOption(field, value, "a duration greater than 0");
  return ms;
}
