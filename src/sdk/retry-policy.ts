// RetryPolicy: how many times a failed action is retried and how long to wait before each retry.
// normalizeRetries accepts the `retries` option forms; createRetryPolicy rebuilds a policy from its
// plain-data form (count + backoff), which is what task specs store.
import { parseDuration } from "./duration.js";
import { checkInteger, checkKnownKeys, checkPlainObject, invalidOption, optionField } from "./option-checks.js";

/** The stored form of a backoff: a fixed delay, or an exponential one capped at `maxMs`. */
export type Backoff =
  | { readonly kind: "fixed"; readonly delayMs: number }
  | {
      readonly kind: "exponential";
      readonly initialMs: number;
      readonly maxMs: number | null;
      readonly factor: number;
    };

/** A normalised retry policy. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = no retry). */
  readonly count: number;
  /** null = retry at once. */
  readonly backoff: Backoff | null;
  /** Delay before retrying after attempt `failedAttempt` (1 = the first attempt failed). */
  delayMs(failedAttempt: number): number;
}

/** The `retries` option: a count, or a count with a backoff. */
export type RetriesOption =
  | number
  | {
      count: number;
      backoff?:
        | number
        | string
        | { initial: number | string; max?: number | string | undefined; factor?: number | undefined }
        | undefined;
    };

const RETRIES_FORMS = "an integer ≥ 0 or { count, backoff? }";
const BACKOFF_FORMS = 'a duration like "10s" (fixed delay) or { initial, max?, factor? } (exponential)';

/**
 * Builds a RetryPolicy from its plain-data parts (already validated).
 * @example createRetryPolicy(3, { kind: "fixed", delayMs: 1000 }).delayMs(2) // => 1000
 */
export function createRetryPolicy(count: number, backoff: Backoff | null): RetryPolicy {
  const frozenBackoff = backoff === null ? null : Object.freeze({ ...backoff });
  return Object.freeze({
    count,
    backoff: frozenBackoff,
    delayMs(failedAttempt: number): number {
      if (frozenBackoff === null) return 0;
      if (frozenBackoff.kind === "fixed") return frozenBackoff.delayMs;
      const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
      const delay = frozenBackoff.initialMs * frozenBackoff.factor ** exponent;
      return Math.round(frozenBackoff.maxMs === null ? delay : Math.min(delay, frozenBackoff.maxMs));
    },
    toJSON() {
      return { count, backoff: frozenBackoff };
    },
  });
}

/**
 * Normalises a `retries` option; undefined means no retries.
 * @example normalizeRetries({ count: 3, backoff: { initial: "1s", max: "1m" } }, 'Task "main"')
 */
export function normalizeRetries(value: unknown, owner: string): RetryPolicy {
  const field = optionField(owner, "retries");
  if (value === undefined) return createRetryPolicy(0, null);
  if (typeof value === "number") return createRetryPolicy(checkRetryCount(value, field), null);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(field, value, RETRIES_FORMS);
  }
  const options = checkPlainObject(value, field);
  checkKnownKeys(options, ["count", "backoff"], field);
  const countField = optionField(owner, "retries.count");
  if (options.count === undefined) throw invalidOption(countField, undefined, "an integer ≥ 0");
  const count = checkRetryCount(options.count, countField);
  return createRetryPolicy(count, options.backoff === undefined ? null : parseBackoff(options.backoff, owner));
}

function checkRetryCount(value: unknown, field: string): number {
  return checkInteger(value, field, 0);
}

function parseBackoff(value: unknown, owner: string): Backoff {
  const field = optionField(owner, "retries.backoff");
  if (typeof value === "number" || typeof value === "string") {
    return { kind: "fixed", delayMs: parseDuration(value, field) };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(field, value, BACKOFF_FORMS);
  }
  const options = checkPlainObject(value, field);
  checkKnownKeys(options, ["initial", "max", "factor"], field);
  const initialField = optionField(owner, "retries.backoff.initial");
  if (options.initial === undefined) throw invalidOption(initialField, undefined, "a duration like \"1s\"");
  const initialMs = parseDuration(options.initial, initialField);
  const maxField = optionField(owner, "retries.backoff.max");
  const maxMs = options.max === undefined ? null : parseDuration(options.max, maxField);
  if (maxMs !== null && maxMs < initialMs) {
    throw invalidOption(maxField, options.max, `a duration ≥ initial (${initialMs}ms)`);
  }
  const factor = options.factor ?? 2;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw invalidOption(optionField(owner, "retries.backoff.factor"), factor, "a number ≥ 1");
  }
  return { kind: "exponential", initialMs, maxMs, factor };
}
