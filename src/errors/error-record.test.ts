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
  ensureError,
  fromErrorRecord,
  registerErrorClass,
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

describe("toErrorRecord / fromErrorRecord", () => {
  it.each(flyteClasses)("round-trips %o with class, code, kind, message and stack", (cls, code, kind) => {
    const original = new cls("it broke");
    const record = toErrorRecord(original, 3);
    expect(record).toMatchObject({ code, kind, name: cls.name, message: "it broke", attempt: 3 });
    const revived = fromErrorRecord(record);
    expect(revived).toBeInstanceOf(cls);
    expect(revived).toMatchObject({ code, kind, name: cls.name, message: "it broke" });
    expect(revived.stack).toBe(original.stack);
  });

  it("leaves optional fields out when absent", () => {
    const e = new Error("x");
    e.stack = undefined as unknown as string;
    expect(toErrorRecord(e)).toEqual({ kind: "user", code: "USER_ERROR", name: "Error", message: "x" });
  });

  it("revives plain Error and TypeError as RuntimeUserError keeping the name and stack", () => {
    const t = new TypeError("not a function");
    const revived = roundTrip(t);
    expect(revived).toBeInstanceOf(RuntimeUserError);
    expect(revived).toMatchObject({ name: "TypeError", message: "not a function", code: "USER_ERROR", kind: "user" });
    expect(revived.stack).toBe(t.stack);
    expect(roundTrip(new Error("e")).name).toBe("Error");
  });

  it("keeps an unknown code and kind", () => {
    const revived = roundTrip(new FlyteError("q", { code: "QUOTA", kind: "system" }));
    expect(revived).toBeInstanceOf(RuntimeUserError);
    expect(revived).toMatchObject({ name: "FlyteError", code: "QUOTA", kind: "system" });
  });

  it("revives a subclass of a Flyte class as that Flyte class when unregistered", () => {
    class SlowApiTimeout extends TimeoutError {}
    const revived = roundTrip(new SlowApiTimeout("slow"));
    expect(revived).toBeInstanceOf(TimeoutError);
    expect(revived.name).toBe("SlowApiTimeout");
  });

  it("revives registered user classes without calling their constructor", () => {
    let constructed = 0;
    class PaymentDeclined extends Error {
      constructor(readonly amount: number) {
        super(`declined: ${amount}`);
        constructed++;
        this.name = "PaymentDeclined";
      }
      describe(): string {
        return `${this.name}/${this.message}`;
      }
    }
    registerErrorClass(PaymentDeclined);
    registerErrorClass(PaymentDeclined); // the same class again is fine
    const original = new PaymentDeclined(5);
    const revived = roundTrip(original);
    expect(constructed).toBe(1);
    expect(revived).toBeInstanceOf(PaymentDeclined);
    expect((revived as PaymentDeclined).describe()).toBe("PaymentDeclined/declined: 5");
    expect(revived.stack).toBe(original.stack);
  });

  it("revives a registered FlyteError subclass with its code and kind", () => {
    class BudgetError extends FlyteError {
      constructor(message: string) {
        super(message, { code: "BUDGET", kind: "system" });
      }
    }
    registerErrorClass(BudgetError);
    const revived = roundTrip(new BudgetError("over"));
    expect(revived).toBeInstanceOf(BudgetError);
    expect(revived).toMatchObject({ name: "BudgetError", code: "BUDGET", kind: "system", message: "over" });
  });

  it("prefers a registered class over RuntimeUserError when the name matches a non-Flyte error", () => {
    class TimeoutErrorFromALibrary extends Error {}
    registerErrorClass(TimeoutErrorFromALibrary, "LibTimeout");
    const e = new TimeoutErrorFromALibrary("lib");
    e.name = "LibTimeout";
    expect(roundTrip(e)).toBeInstanceOf(TimeoutErrorFromALibrary);
    expect(roundTrip(new TimeoutError("ours"))).toBeInstanceOf(TimeoutError);
  });

  it("records the class name of an Error subclass that does not set name", () => {
    class Unnamed extends Error {}
    const revived = roundTrip(new Unnamed("u"));
    expect(revived).toBeInstanceOf(RuntimeUserError);
    expect(revived.name).toBe("Unnamed");
  });

  it("rejects bad registrations", () => {
    class A extends Error {}
    registerErrorClass(A, "Dup");
    expect(() => registerErrorClass(class B extends Error {}, "Dup")).toThrow(/already registered/);
    expect(() => registerErrorClass(class extends Error {}, "")).toThrow(InvalidOptionError);
    expect(() => registerErrorClass(class NotAnError {} as never)).toThrow(/extends Error/);
  });

  it.each([
    ["a string", "boom", "boom"],
    ["an object", { reason: "x" }, 'A non-Error value was thrown: {"reason":"x"}'],
    ["undefined", undefined, "A non-Error value was thrown: undefined"],
    ["null", null, "A non-Error value was thrown: null"],
    ["a number", 42, "A non-Error value was thrown: 42"],
  ])("records %s as a RuntimeUserError", (_label, value, message) => {
    const record = toErrorRecord(value);
    expect(record).toMatchObject({ kind: "user", code: "USER_ERROR", name: "RuntimeUserError" });
    expect(record.message.startsWith(message)).toBe(true);
    const revived = fromErrorRecord(record);
    expect(revived).toBeInstanceOf(RuntimeUserError);
    expect(revived.message).toBe(record.message);
  });

  it("survives objects that JSON cannot print", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toErrorRecord(cyclic).message).toContain("[object Object]");
    expect(toErrorRecord(10n).message).toContain("10");
  });

  it("keeps cause chains, including non-Error causes", () => {
    const root = new TypeError("root");
    const mid = new CacheError("mid", { cause: root });
    const top = new RetriesExhaustedError("top", { cause: mid });
    const record = toErrorRecord(top, 2);
    expect(record.cause?.cause).toMatchObject({ name: "TypeError", message: "root" });
    expect(record.cause?.attempt).toBeUndefined();
    const revived = fromErrorRecord(record);
    expect(revived).toBeInstanceOf(RetriesExhaustedError);
    expect(revived.cause).toBeInstanceOf(CacheError);
    const revivedRoot = (revived.cause as Error).cause as Error;
    expect(revivedRoot).toMatchObject({ name: "TypeError", message: "root" });
    expect(revivedRoot.stack).toBe(root.stack);
    expect(toErrorRecord(new Error("x", { cause: "disk full" })).cause).toMatchObject({ message: "disk full" });
  });

  it("cuts a cyclic cause and an over-long chain", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const record = toErrorRecord(a);
    expect(record.cause?.message).toBe("b");
    expect(record.cause?.cause).toBeUndefined();
    let chain: Error = new Error("0");
    for (let i = 1; i < 50; i++) chain = new Error(String(i), { cause: chain });
    let depth = 0;
    for (let r: ErrorRecord | undefined = toErrorRecord(chain); r; r = r.cause) depth++;
    expect(depth).toBe(9);
  });

  it("gives a record without a stack a readable one", () => {
    const revived = fromErrorRecord({ kind: "user", code: "TIMEOUT", name: "TimeoutError", message: "late" });
    expect(revived.stack).toBe("TimeoutError: late");
  });
});

describe("ensureError", () => {
  it("returns Errors as they are and wraps anything else", () => {
    const e = new Error("x");
    expect(ensureError(e)).toBe(e);
    const wrapped = ensureError("boom");
    expect(wrapped).toBeInstanceOf(RuntimeUserError);
    expect(wrapped.message).toBe("boom");
    expect(ensureError({ a: 1 }).message).toContain('{"a":1}');
    expect(ensureError(() => 1).message).toContain("a function");
  });
});
