// Cache: whether and how a task's outputs are reused for identical inputs. normalizeCache turns the
// `cache` / `cacheVersion` option forms of tasks and environments into one validated Cache, so the
// engine only ever sees a Cache instance.
import {
  checkKnownKeys,
  checkName,
  checkNonEmptyString,
  checkPlainObject,
  invalidOption,
  optionField,
} from "./option-checks.js";

/** auto: version derived from the task's code; override: a fixed version; disable: never cache. */
export type CacheBehavior = "auto" | "override" | "disable";

/** Options for {@link Cache}. */
export interface CacheOptions {
  behavior: CacheBehavior;
  /** Required with behavior "override"; only allowed with it. */
  versionOverride?: string | undefined;
  /** Input names left out of the cache key. */
  ignoredInputs?: readonly string[] | undefined;
  /** When true, concurrent identical calls wait for one execution instead of all running. */
  serialize?: boolean | undefined;
  /** Mixed into the cache key, to invalidate entries without a code change. */
  salt?: string | undefined;
}

const KEYS = ["behavior", "versionOverride", "ignoredInputs", "serialize", "salt"] as const;
const BEHAVIORS: readonly string[] = ["auto", "override", "disable"];
const OWNER = "Cache";

/**
 * A task's cache policy.
 * @example new Cache({ behavior: "override", versionOverride: "v2", serialize: true })
 */
export class Cache {
  readonly behavior: CacheBehavior;
  readonly versionOverride: string | undefined;
  readonly ignoredInputs: readonly string[];
  readonly serialize: boolean;
  readonly salt: string | undefined;

  constructor(options: CacheOptions) {
    checkPlainObject(options, `${OWNER} options`);
    checkKnownKeys(options, KEYS, OWNER);
    const behavior = options.behavior as unknown;
    if (typeof behavior !== "string" || !BEHAVIORS.includes(behavior)) {
      throw invalidOption(optionField(OWNER, "behavior"), behavior, 'one of "auto", "override", "disable"');
    }
    this.behavior = behavior as CacheBehavior;
    const versionField = optionField(OWNER, "versionOverride");
    if (this.behavior === "override") {
      if (options.versionOverride === undefined) {
        throw invalidOption(versionField, undefined, 'a non-empty version string when behavior is "override"');
      }
      this.versionOverride = checkNonEmptyString(options.versionOverride, versionField);
    } else {
      if (options.versionOverride !== undefined) {
        const expected = `no versionOverride with behavior "${this.behavior}" (use behavior "override")`;
        throw invalidOption(versionField, options.versionOverride, expected);
      }
      this.versionOverride = undefined;
    }
    this.ignoredInputs = checkIgnoredInputs(options.ignoredInputs);
    if (options.serialize !== undefined && typeof options.serialize !== "boolean") {
      throw invalidOption(optionField(OWNER, "serialize"), options.serialize, "true or false");
    }
    this.serialize = options.serialize ?? false;
    if (options.salt !== undefined && typeof options.salt !== "string") {
      throw invalidOption(optionField(OWNER, "salt"), options.salt, "a string");
    }
    this.salt = options.salt;
    Object.freeze(this);
  }

  /** A plain-data form for serialised task specs. */
  toJSON(): CacheOptions {
    return {
      behavior: this.behavior,
      ...(this.versionOverride === undefined ? {} : { versionOverride: this.versionOverride }),
      ...(this.ignoredInputs.length === 0 ? {} : { ignoredInputs: [...this.ignoredInputs] }),
      ...(this.serialize ? { serialize: true } : {}),
      ...(this.salt === undefined ? {} : { salt: this.salt }),
    };
  }
}

function checkIgnoredInputs(value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  const field = optionField(OWNER, "ignoredInputs");
  if (!Array.isArray(value)) throw invalidOption(field, value, "an array of input names");
  return Object.freeze(
    value.map((name, i) =>
      checkName(name, optionField(OWNER, `ignoredInputs[${i}]`), /^[A-Za-z_$][A-Za-z0-9_$]*$/, "an input name"),
    ),
  );
}

const CACHE_FORMS = 'one of "auto", "override" (with cacheVersion), "disable", true, false, or a Cache';

/**
 * Normalises a task's or environment's `cache` and `cacheVersion` options into a Cache.
 * @example normalizeCache("override", "v1", 'Task "main"') // Cache { behavior: "override", versionOverride: "v1" }
 */
export function normalizeCache(value: unknown, cacheVersion: unknown, owner: string): Cache {
  const versionField = optionField(owner, "cacheVersion");
  if (value instanceof Cache) {
    if (cacheVersion !== undefined && cacheVersion !== value.versionOverride) {
      throw invalidOption(
        versionField,
        cacheVersion,
        `undefined or the Cache's own versionOverride (${JSON.stringify(value.versionOverride ?? null)})`,
      );
    }
    return value;
  }
  const behavior = value === undefined || value === false ? "disable" : value === true ? "auto" : value;
  if (behavior !== "auto" && behavior !== "override" && behavior !== "disable") {
    throw invalidOption(optionField(owner, "cache"), value, CACHE_FORMS);
  }
  if (behavior === "override") {
    if (typeof cacheVersion !== "string" || cacheVersion.trim() === "") {
      throw invalidOption(versionField, cacheVersion, 'a non-empty version string, required with cache "override"');
    }
    return new Cache({ behavior, versionOverride: cacheVersion });
  }
  if (cacheVersion !== undefined) {
    throw invalidOption(
      versionField,
      cacheVersion,
      `no cacheVersion with cache ${describeCache(value)}; use cache "override" to pin a version`,
    );
  }
  return new Cache({ behavior });
}

function describeCache(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}
