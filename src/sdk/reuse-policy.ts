// ReusePolicy: keeps task containers (or worker processes) alive between actions so warm state is
// reused. Normalised to min/max replicas, per-replica concurrency and idle timings in milliseconds.
import { parseDuration } from "./duration.js";
import { checkInteger, checkKnownKeys, checkPlainObject, invalidOption, optionField } from "./option-checks.js";

/** Options for {@link ReusePolicy}. */
export interface ReusePolicyOptions {
  /** A fixed replica count ≥ 1, or `[min, max]` with 0 ≤ min ≤ max and max ≥ 1. */
  replicas: number | readonly [number, number];
  /** Actions one replica runs at the same time (default 1). */
  concurrency?: number | undefined;
  /** How long an idle replica is kept before it is stopped (default "5m"). */
  idleTtl?: number | string | undefined;
  /** How long load must stay low before the replica count is reduced (default: the engine's choice). */
  scaledownTtl?: number | string | undefined;
}

/** The plain-data form of a {@link ReusePolicy}. */
export interface ReusePolicyJSON {
  minReplicas: number;
  maxReplicas: number;
  concurrency: number;
  idleTtlMs: number;
  scaledownTtlMs: number | null;
}

const KEYS = ["replicas", "concurrency", "idleTtl", "scaledownTtl"] as const;
const OWNER = "ReusePolicy";
const REPLICAS_EXPECTED = "a replica count (integer ≥ 1) or a [min, max] pair of integers with 0 ≤ min ≤ max, max ≥ 1";
const DEFAULT_IDLE_TTL_MS = 5 * 60_000;

/**
 * Reuse containers across actions of an environment.
 * @example new ReusePolicy({ replicas: [1, 4], concurrency: 8, idleTtl: "5m" })
 */
export class ReusePolicy {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly concurrency: number;
  readonly idleTtlMs: number;
  /** null when not set: the engine picks its own scale-down delay. */
  readonly scaledownTtlMs: number | null;

  constructor(options: ReusePolicyOptions) {
    checkPlainObject(options, `${OWNER} options`);
    checkKnownKeys(options, KEYS, OWNER);
    const [min, max] = parseReplicas(options.replicas);
    this.minReplicas = min;
    this.maxReplicas = max;
    this.concurrency =
      options.concurrency === undefined ? 1 : checkInteger(options.concurrency, optionField(OWNER, "concurrency"), 1);
    this.idleTtlMs =
      options.idleTtl === undefined
        ? DEFAULT_IDLE_TTL_MS
        : parseDuration(options.idleTtl, optionField(OWNER, "idleTtl"));
    this.scaledownTtlMs =
      options.scaledownTtl === undefined
        ? null
        : parseDuration(options.scaledownTtl, optionField(OWNER, "scaledownTtl"));
    Object.freeze(this);
  }

  /** A plain-data form for serialised environment specs. */
  toJSON(): ReusePolicyJSON {
    return {
      minReplicas: this.minReplicas,
      maxReplicas: this.maxReplicas,
      concurrency: this.concurrency,
      idleTtlMs: this.idleTtlMs,
      scaledownTtlMs: this.scaledownTtlMs,
    };
  }
}

function parseReplicas(value: unknown): [number, number] {
  const field = optionField(OWNER, "replicas");
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 1) throw invalidOption(field, value, REPLICAS_EXPECTED);
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalidOption(field, value, REPLICAS_EXPECTED);
  const [min, max] = value as unknown[];
  const valid =
    typeof min === "number" &&
    typeof max === "number" &&
    Number.isSafeInteger(min) &&
    Number.isSafeInteger(max) &&
    min >= 0 &&
    min <= max &&
    max >= 1;
  if (!valid) throw invalidOption(field, value, REPLICAS_EXPECTED);
  return [min, max];
}
