// The data errors: fixed codes and kinds like every Flyte error, revived as their own classes from a stored
// record, and a retry policy that only retries store failures (not missing data, refused access or bad files).
import { describe, expect, it } from "vitest";
import {
  DataAccessError,
  DataFormatError,
  DataNotFoundError,
  DataStoreError,
  FlyteError,
  fromErrorRecord,
  isRetryable,
  toErrorRecord,
} from "../src/errors/index.js";
import type { ErrorRecord } from "../src/errors/index.js";
import * as publicErrors from "../src/errors/public.js";

const roundTrip = (e: unknown): Error => fromErrorRecord(JSON.parse(JSON.stringify(toErrorRecord(e))) as ErrorRecord);

const dataClasses = [
  [DataNotFoundError, "DATA_NOT_FOUND", "user", false],
  [DataAccessError, "DATA_ACCESS_DENIED", "user", false],
  [DataStoreError, "DATA_STORE_ERROR", "system", true],
  [DataFormatError, "DATA_FORMAT", "user", false],
] as const;

describe("data errors", () => {
  it.each(dataClasses)("%o has its code, kind, name and cause", (cls, code, kind) => {
    const cause = new Error("root");
    const e = new cls("no object at s3://b/k", { cause });
    expect(e).toBeInstanceOf(FlyteError);
    expect([e.code, cls.code, e.kind, e.name, e.message]).toEqual([code, code, kind, cls.name, "no object at s3://b/k"]);
    expect(e.cause).toBe(cause);
    expect("cause" in new cls("x")).toBe(false);
  });

  it.each(dataClasses)("%o is revived from a record as its class, with its cause", (cls, code, kind) => {
    const revived = roundTrip(new cls("outer", { cause: new TypeError("inner") }));
    expect(revived).toBeInstanceOf(cls);
    expect(revived).toMatchObject({ code, kind, name: cls.name, message: "outer" });
    expect(revived.cause).toBeInstanceOf(Error);
    expect((revived.cause as Error).message).toBe("inner");
  });

  it.each(dataClasses)("isRetryable(%o) holds for the error, its revived copy and its record", (cls, _c, _k, retry) => {
    const e = new cls("x");
    expect(isRetryable(e)).toBe(retry);
    expect(isRetryable(roundTrip(e))).toBe(retry);
    expect(isRetryable(toErrorRecord(e))).toBe(retry);
  });

  it("are part of the public flyte.errors", () => {
    expect(publicErrors.DataNotFoundError).toBe(DataNotFoundError);
    expect(publicErrors.DataAccessError).toBe(DataAccessError);
    expect(publicErrors.DataStoreError).toBe(DataStoreError);
    expect(publicErrors.DataFormatError).toBe(DataFormatError);
  });
});
