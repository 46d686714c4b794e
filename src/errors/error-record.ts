// The one converter between thrown values and stored ErrorRecords, recursively through `cause`. A revived error
// keeps its class (Flyte classes by code, user classes by registered name), message, code, kind and the stack
// text of the process that threw it; anything unknown comes back as a RuntimeUserError carrying the original name.
import {
  FLYTE_ERROR_CLASSES,
  FlyteError,
  InvalidOptionError,
  RuntimeUserError,
  errorCode,
  errorKind,
} from "./errors.js";
import type { ErrorRecord } from "./types.js";
// Registers the data and code error classes by code, so records of them revive as their classes wherever this loads.
import "./data-errors.js";
import "./code-errors.js";
import "./dependency-errors.js";

/** Deeper cause chains are cut: they are nearly always accidental and would bloat every stored failure. */
const MAX_CAUSE_DEPTH = 8;
const MAX_VALUE_TEXT = 500;

// `abstract new` so abstract base classes can be registered too: revival never calls the constructor.
export type ErrorClass = abstract new (...args: any[]) => Error;

const userClasses = new Map<string, ErrorClass>();

/**
 * Lets errors of a user-defined class come back as instances of that class after crossing a process boundary.
 * The constructor is not called on revival; name, message, stack and cause are restored as they were.
 * @example flyte.registerErrorClass(QuotaExceededError)
 */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  if (typeof cls !== "function" || !(cls.prototype instanceof Error)) {
    throw new InvalidOptionError("registerErrorClass: expected a class that extends Error");
  }
  if (name === "") {
    throw new InvalidOptionError(
      'registerErrorClass: the class has no name; pass one explicitly, e.g. registerErrorClass(cls, "MyError")',
    );
  }
  const existing = userClasses.get(name);
  if (existing !== undefined && existing !== cls) {
    throw new InvalidOptionError(
      `registerErrorClass: another class named "${name}" is already registered; ` +
        `register this one under a different name with registerErrorClass(cls, "OtherName")`,
    );
  }
  userClasses.set(name, cls);
}

/** Checks the tag too, because errors from another realm (vm, worker) fail `instanceof Error`. */
function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return value;
  let text: string;
  if (typeof value === "function") text = `a function (${value.name || "anonymous"})`;
  else if (typeof value === "object" && value !== null) {
    try {
      text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  } else text = String(value);
  if (text.length > MAX_VALUE_TEXT) text = `${text.slice(0, MAX_VALUE_TEXT)}…`;
  return `A non-Error value was thrown: ${text} (throw an Error instead to keep a stack trace)`;
}

/** Turns any thrown value into an Error: Errors are returned as they are, anything else is wrapped. */
export function ensureError(value: unknown): Error {
  return isError(value) ? value : new RuntimeUserError(describeThrown(value));
}

/** `class MyError extends Error {}` without `this.name = …` reports "Error"; its class name says more. */
function errorName(error: Error): string {
  const name = typeof error.name === "string" && error.name !== "" ? error.name : "Error";
  if (name !== "Error") return name;
  const ctorName: unknown = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctorName === "string" && ctorName !== "" ? ctorName : name;
}

function toRecord(value: unknown, depth: number, seen: Set<unknown>): ErrorRecord {
  if (!isError(value)) {
    return { kind: "user", code: RuntimeUserError.code, name: "RuntimeUserError", message: describeThrown(value) };
  }
  seen.add(value);
  const record: ErrorRecord = {
    kind: errorKind(value),
    code: errorCode(value),
    name: errorName(value),
    message: typeof value.message === "string" ? value.message : String(value.message),
  };
  if (typeof value.stack === "string") record.stack = value.stack;
  const cause: unknown = value.cause;
  // A cycle or an over-long chain is cut rather than failing: recording a failure must never fail.
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH && !seen.has(cause)) {
    record.cause = toRecord(cause, depth + 1, seen);
  }
  return record;
}

/**
 * Converts any thrown value (Error, FlyteError, string, object, undefined) to the record stored for a failure.
 * `attempt` is set on the outermost record only.
 */
export function toErrorRecord(error: unknown, attempt?: number): ErrorRecord {
  const record = toRecord(error, 0, new Set());
  if (attempt !== undefined) record.attempt = attempt;
  return record;
}

function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

function setOwn(target: object, key: "code" | "kind" | "name", value: string): void {
  (target as Record<string, unknown>)[key] = value;
}

/** Revives without calling the user's constructor, whose parameters we cannot know. */
function reviveUserClass(cls: ErrorClass, record: ErrorRecord, cause: Error | undefined): Error {
  const error = Object.create(cls.prototype as object) as Error;
  if (error.name !== record.name) defineHidden(error, "name", record.name);
  defineHidden(error, "message", record.message);
  if (cause !== undefined) defineHidden(error, "cause", cause);
  if (error instanceof FlyteError) {
    setOwn(error, "code", record.code);
    setOwn(error, "kind", record.kind);
  }
  return error;
}

function revive(record: ErrorRecord, depth: number): Error {
  const cause =
    record.cause !== undefined && depth < MAX_CAUSE_DEPTH ? revive(record.cause, depth + 1) : undefined;
  const causeOption = cause === undefined ? undefined : { cause };
  const flyte = FLYTE_ERROR_CLASSES.get(record.code);
  const userClass = userClasses.get(record.name);
  let error: Error;
  if (flyte !== undefined && (flyte.name === record.name || userClass === undefined)) {
    // A subclass of a Flyte class (name differs, code the same) still satisfies `instanceof` its Flyte base.
    error = new flyte.cls(record.message, causeOption);
    if (flyte.name !== record.name) setOwn(error, "name", record.name);
  } else if (userClass !== undefined) {
    error = reviveUserClass(userClass, record, cause);
  } else {
    // The recorded kind is kept even here: it decides which retry budget a failure consumes.
    error = new RuntimeUserError(record.message, causeOption);
    setOwn(error, "name", record.name);
    setOwn(error, "code", record.code);
    setOwn(error, "kind", record.kind);
  }
  // The stack is the thrower's, not ours: a parent re-throwing a child's failure shows where the child failed.
  defineHidden(error, "stack", record.stack ?? `${record.name}: ${record.message}`);
  return error;
}

/**
 * Turns a stored record back into an Error: Flyte classes by code, registered user classes by name, anything
 * else as a RuntimeUserError with the recorded name, code and kind. The cause chain is revived too.
 */
export function fromErrorRecord(record: ErrorRecord): Error {
  return revive(record, 0);
}
