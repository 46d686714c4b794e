// Resources: CPU, memory, GPU and disk for a task, in Kubernetes-style spellings. The constructor
// validates and normalises (cores, bytes, GPU type and count) and keeps the user's spelling for
// toJSON(), so serialised specs read the way they were written.
import { checkKnownKeys, checkPlainObject, invalidOption, optionField } from "./option-checks.js";

/** A CPU quantity: cores as a number, or a string like "2", "0.5", "500m" (millicores). */
export type CpuQuantity = number | string;
/** A byte quantity: a number of bytes, or a string like "512Mi", "4Gi", "1G", "1000M". */
export type ByteQuantity = number | string;
/** A single value (request = limit) or a `[request, limit]` pair. */
export type RequestLimit<T> = T | readonly [T, T];

/** Options for {@link Resources}; each field may be omitted. */
export interface ResourcesOptions {
  cpu?: RequestLimit<CpuQuantity> | undefined;
  memory?: RequestLimit<ByteQuantity> | undefined;
  /** A count (number or digit string) or "TYPE:COUNT", e.g. "A100:2". */
  gpu?: number | string | undefined;
  disk?: RequestLimit<ByteQuantity> | undefined;
}

/** A normalised request/limit pair (cores for CPU, bytes for memory and disk). */
export interface RequestLimitValue {
  readonly request: number;
  readonly limit: number;
}

/** A normalised GPU request: `type` is undefined when only a count was given. */
export interface GpuValue {
  readonly type: string | undefined;
  readonly count: number;
}

const KEYS = ["cpu", "memory", "gpu", "disk"] as const;
const OWNER = "Resources";

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

const CPU_EXPECTED = 'a number of cores > 0 or a string like "2", "0.5", "500m", or a [request, limit] pair';
const BYTES_EXPECTED =
  'a number of bytes > 0 or a string like "512Mi", "4Gi", "1G", "1000M", "1Ti", or a [request, limit] pair';
const GPU_EXPECTED = 'a GPU count (integer ≥ 0 or digit string) or "TYPE:COUNT" like "A100:2"';

/**
 * Compute resources for a task or environment.
 * @example new Resources({ cpu: ["500m", "2"], memory: "4Gi", gpu: "A100:2" })
 */
export class Resources {
  /** CPU in cores (fractions for millicores), or undefined when not set. */
  readonly cpu: RequestLimitValue | undefined;
  /** Memory in bytes, or undefined when not set. */
  readonly memory: RequestLimitValue | undefined;
  /** GPU type and count, or undefined when not set. */
  readonly gpu: GpuValue | undefined;
  /** Ephemeral disk in bytes, or undefined when not set. */
  readonly disk: RequestLimitValue | undefined;
  readonly #spelling: Readonly<ResourcesOptions>;

  constructor(options: ResourcesOptions = {}) {
    checkPlainObject(options, `${OWNER} options`);
    checkKnownKeys(options, KEYS, OWNER);
    const spelling: ResourcesOptions = {};
    if (options.cpu !== undefined) spelling.cpu = copyPair(options.cpu);
    if (options.memory !== undefined) spelling.memory = copyPair(options.memory);
    if (options.gpu !== undefined) spelling.gpu = options.gpu;
    if (options.disk !== undefined) spelling.disk = copyPair(options.disk);
    this.cpu = spelling.cpu === undefined ? undefined : requestLimit(spelling.cpu, "cpu", parseCpu, CPU_EXPECTED);
    this.memory =
      spelling.memory === undefined ? undefined : requestLimit(spelling.memory, "memory", parseBytes, BYTES_EXPECTED);
    this.gpu = spelling.gpu === undefined ? undefined : parseGpu(spelling.gpu);
    this.disk =
      spelling.disk === undefined ? undefined : requestLimit(spelling.disk, "disk", parseBytes, BYTES_EXPECTED);
    this.#spelling = Object.freeze(spelling);
    Object.freeze(this);
  }

  /**
   * A new Resources where every field set on `override` replaces this one's.
   * @example envResources.merge(new Resources({ memory: "32Gi" }))
   */
  merge(override: Resources): Resources {
    if (!(override instanceof Resources)) {
      throw invalidOption(`${OWNER}.merge: argument "override"`, override, "a Resources instance");
    }
    return new Resources({ ...this.#spelling, ...override.#spelling });
  }

  /** The options as the user spelled them (only the fields that were set). */
  toJSON(): ResourcesOptions {
    const out: ResourcesOptions = {};
    for (const key of KEYS) {
      const v = this.#spelling[key];
      if (v !== undefined) Object.assign(out, { [key]: copyPair(v) });
    }
    return out;
  }
}

function copyPair<T>(value: RequestLimit<T>): RequestLimit<T> {
  return Array.isArray(value) ? (Object.freeze([...(value as readonly T[])]) as unknown as readonly [T, T]) : value;
}

function requestLimit(
  value: unknown,
  key: string,
  parse: (v: unknown) => number | undefined,
  expected: string,
): RequestLimitValue {
  const field = optionField(OWNER, key);
  if (Array.isArray(value)) {
    if (value.length !== 2) throw invalidOption(field, value, `${expected} (a pair has exactly 2 entries)`);
    const request = parse(value[0]);
    if (request === undefined) throw invalidOption(optionField(OWNER, `${key}[0]`), value[0], expected);
    const limit = parse(value[1]);
    if (limit === undefined) throw invalidOption(optionField(OWNER, `${key}[1]`), value[1], expected);
    if (request > limit) throw invalidOption(field, value, "a [request, limit] pair with request ≤ limit");
    return Object.freeze({ request, limit });
  }
  const amount = parse(value);
  if (amount === undefined) throw invalidOption(field, value, expected);
  return Object.freeze({ request: amount, limit: amount });
}

/** Cores from a CPU quantity, or undefined when it is not one. */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(value.trim());
  if (m === null) return undefined;
  const cores = m[2] === "m" ? Number(m[1]) / 1000 : Number(m[1]);
  return cores > 0 ? cores : undefined;
}

/** Bytes from a byte quantity, or undefined when it is not one. */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)([kKMGTP]i?)?$/.exec(value.trim());
  if (m === null) return undefined;
  const scale = BYTE_UNITS[m[2] ?? ""];
  if (scale === undefined) return undefined; // e.g. "ki": only binary units with an upper-case prefix exist
  const bytes = Math.round(Number(m[1]) * scale);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

function parseGpu(value: unknown): GpuValue {
  const field = optionField(OWNER, "gpu");
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw invalidOption(field, value, GPU_EXPECTED);
    return Object.freeze({ type: undefined, count: value });
  }
  if (typeof value !== "string") throw invalidOption(field, value, GPU_EXPECTED);
  const m = /^(?:([A-Za-z0-9][A-Za-z0-9_.-]*):)?(\d+)$/.exec(value.trim());
  if (m === null) throw invalidOption(field, value, GPU_EXPECTED);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || (m[1] !== undefined && count < 1)) {
    throw invalidOption(field, value, `${GPU_EXPECTED} (a typed GPU needs a count ≥ 1)`);
  }
  return Object.freeze({ type: m[1], count });
}
