import { describe, expect, it } from "vitest";
import {
  ActionAbortedError,
  CacheError,
  FlyteError,
  InvalidInputError,
  InvalidOptionError,
  NonRecoverableError,
  OOMError,
  RetriesExhaustedError,
  RunNotFoundError,
  ActionNotFoundError,
  RuntimeSystemError,
  RuntimeUserError,
  SerializationError,
  TaskNotFoundError,
  TimeoutError,
  errorCode,
  errorKind,
  fromErrorRecord,
  isRetryable,
  toErrorRecord,
} from "./index.js";
import type { ErrorRecord } from "./index.js";

const roundTrip = (e: unknown): Error => fromErrorRecord(JSON.parse(JSON.stringify(toErrorRecord(e))) as ErrorRecord);

const flyteClasses = [
  [RuntimeUserError, "USER_ERROR", "user", true],
  [RuntimeSystemError, "SYSTEM_ERROR", "system", true],
  [OOMError, "OOM", "system", true],
  [TimeoutError, "TIMEOUT", "user", true],
  [RetriesExhaustedError, "RETRIES_EXHAUSTED", "system", true],
  [NonRecoverableError, "NON_RECOVERABLE", "user", false],
  [ActionAbortedError, "ABORTED", "user", false],
  [InvalidInputError, "INVALID_INPUT", "user", false],
  [InvalidOptionError, "INVALID_OPTION", "user", false],
  [SerializationError, "SERIALIZATION", "user", false],
  [CacheError, "CACHE_ERROR", "system", true],
  [TaskNotFoundError, "TASK_NOT_FOUND", "user", false],
  [RunNotFoundError, "RUN_NOT_FOUND", "user", false],
  [ActionNotFoundError, "ACTION_NOT_FOUND", "user", false],
] as const;

describe("Flyte error classes", () => {
  it.each(flyteClasses)("%o has its code, kind, name and cause", (cls, code, kind) => {
    const cause = new Error("root");
    const e = new cls("boom", { cause });
    expect(e).toBeInstanceOf(FlyteError);
    expect(e).toBeInstanceOf(Error);
    expect([e.code, cls.code, e.kind, e.name, e.message]).toEqual([code, code, kind, cls.name, "boom"]);
    expect(e.cause).toBe(cause);
    expect("cause" in new cls("x")).toBe(false);
  });

  it("FlyteError has defaults and takes code and kind", () => {
    const e = new FlyteError("x");
    expect([e.name, e.code, e.kind, FlyteError.code]).toEqual(["FlyteError", "FLYTE_ERROR", "user", "FLYTE_ERROR"]);
    const s = new FlyteError("y", { code: "QUOTA", kind: "system" });
    expect([s.code, s.kind]).toEqual(["QUOTA", "system"]);
  });

  it("names user subclasses of FlyteError after their class", () => {
    class QuotaError extends FlyteError {}
    expect(new QuotaError("x").name).toBe("QuotaError");
  });

  it("errorKind and errorCode accept any thrown value", () => {
    expect([errorKind(new OOMError("x")), errorCode(new OOMError("x"))]).toEqual(["system", "OOM"]);
    for (const v of [new TypeError("x"), "str", undefined, null, 42, { code: "X" }]) {
      expect([errorKind(v), errorCode(v)]).toEqual(["user", "USER_ERROR"]);
    }
    expect(errorCode({ code: "OOM", kind: "system" })).toBe("OOM");
  });

  it.each(flyteClasses)("isRetryable(%o) holds for the error and its revived copy", (cls, _c, _k, retryable) => {
    const e = new cls("x");
    expect(isRetryable(e)).toBe(retryable);
    expect(isRetryable(roundTrip(e))).toBe(retryable);
    expect(isRetryable(toErrorRecord(e))).toBe(retryable);
  });

  it("treats plain errors and non-errors as retryable", () => {
    expect(isRetryable(new Error("x"))).toBe(true);
    expect(isRetryable("x")).toBe(true);
    expect(isRetryable(undefined)).toBe(true);
  });
});
