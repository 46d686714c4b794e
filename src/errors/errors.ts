// The Flyte error hierarchy: every failure the engine or a task raises is a FlyteError with a stable `code`
// and a `kind`. Decisions (retry or not, user or system) are taken by `code`, never by `instanceof`, so they
// also hold for errors revived from a stored record in another process.
import type { ErrorKind } from "./types.js";

export interface FlyteErrorOptions {
  code?: string;
  kind?: ErrorKind;
  cause?: unknown;
}

export interface FlyteErrorSubclassOptions {
  cause?: unknown;
}

/** Error options for `super()`: `cause` is only passed when given, so `"cause" in error` stays meaningful. */
export function errorOptions(options: { cause?: unknown } | undefined): ErrorOptions | undefined {
  return options !== undefined && "cause" in options ? { cause: options.cause } : undefined;
}

export function nameErrorClass(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false });
}

/**
 * Base class of all Flyte errors: a stable `code`, a `kind` ("user" or "system") and an optional `cause`.
 * @example throw new FlyteError("quota exceeded", { code: "QUOTA", kind: "system" })
 */
export class FlyteError extends Error {
  static readonly code: string = "FLYTE_ERROR";
  static {
    nameErrorClass(this, "FlyteError");
  }
  readonly code: string;
  readonly kind: ErrorKind;

  constructor(message: string, options?: FlyteErrorOptions) {
    super(message, errorOptions(options));
    // Flyte's own classes carry a literal name on their prototype (minifier-proof); any other subclass,
    // including a user's subclass of a Flyte class, is named after its class without having to set it.
    if (!Object.prototype.hasOwnProperty.call(new.target.prototype, "name")) this.name = new.target.name;
    this.code = options?.code ?? "FLYTE_ERROR";
    this.kind = options?.kind ?? "user";
  }
}

/** An error raised by task code. Errors that are not FlyteErrors are reported with this code. */
export class RuntimeUserError extends FlyteError {
  static override readonly code = "USER_ERROR";
  static {
    nameErrorClass(this, "RuntimeUserError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: RuntimeUserError.code, kind: "user" });
  }
}

/** A failure of the platform (worker lost, heartbeat missed); retried by the platform. */
export class RuntimeSystemError extends FlyteError {
  static override readonly code = "SYSTEM_ERROR";
  static {
    nameErrorClass(this, "RuntimeSystemError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: RuntimeSystemError.code, kind: "system" });
  }
}

/** The action's process ran out of memory; raise its `resources.memory`. */
export class OOMError extends FlyteError {
  static override readonly code = "OOM";
  static {
    nameErrorClass(this, "OOMError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: OOMError.code, kind: "system" });
  }
}

/** The action ran or waited longer than its `timeout`. */
export class TimeoutError extends FlyteError {
  static override readonly code = "TIMEOUT";
  static {
    nameErrorClass(this, "TimeoutError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: TimeoutError.code, kind: "user" });
  }
}

/** Every allowed attempt failed; `cause` is the last attempt's error. */
export class RetriesExhaustedError extends FlyteError {
  static override readonly code = "RETRIES_EXHAUSTED";
  static {
    nameErrorClass(this, "RetriesExhaustedError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: RetriesExhaustedError.code, kind: "system" });
  }
}

/**
 * Fails the action at once, whatever its `retries`.
 * @example throw new NonRecoverableError("the input file is corrupt")
 */
export class NonRecoverableError extends FlyteError {
  static override readonly code = "NON_RECOVERABLE";
  static {
    nameErrorClass(this, "NonRecoverableError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: NonRecoverableError.code, kind: "user" });
  }
}

/** The action (or its run) was aborted. */
export class ActionAbortedError extends FlyteError {
  static override readonly code = "ABORTED";
  static {
    nameErrorClass(this, "ActionAbortedError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: ActionAbortedError.code, kind: "user" });
  }
}

/** A task input does not match the task's interface. */
export class InvalidInputError extends FlyteError {
  static override readonly code = "INVALID_INPUT";
  static {
    nameErrorClass(this, "InvalidInputError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: InvalidInputError.code, kind: "user" });
  }
}

/** A bad environment, task or run option; the message names the option, the value and what is allowed. */
export class InvalidOptionError extends FlyteError {
  static override readonly code = "INVALID_OPTION";
  static {
    nameErrorClass(this, "InvalidOptionError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: InvalidOptionError.code, kind: "user" });
  }
}

/** A value that cannot be encoded (or a stored value that cannot be decoded). */
export class SerializationError extends FlyteError {
  static override readonly code = "SERIALIZATION";
  static {
    nameErrorClass(this, "SerializationError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: SerializationError.code, kind: "user" });
  }
}

/** The cache could not be read or written. */
export class CacheError extends FlyteError {
  static override readonly code = "CACHE_ERROR";
  static {
    nameErrorClass(this, "CacheError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: CacheError.code, kind: "system" });
  }
}

/** No task with that name (and version) is registered. */
export class TaskNotFoundError extends FlyteError {
  static override readonly code = "TASK_NOT_FOUND";
  static {
    nameErrorClass(this, "TaskNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: TaskNotFoundError.code, kind: "user" });
  }
}

/** No run with that name exists. */
export class RunNotFoundError extends FlyteError {
  static override readonly code = "RUN_NOT_FOUND";
  static {
    nameErrorClass(this, "RunNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: RunNotFoundError.code, kind: "user" });
  }
}

/** A run has no action with that name. */
export class ActionNotFoundError extends FlyteError {
  static override readonly code = "ACTION_NOT_FOUND";
  static {
    nameErrorClass(this, "ActionNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: ActionNotFoundError.code, kind: "user" });
  }
}

export type FlyteErrorClass = new (message: string, options?: FlyteErrorSubclassOptions) => FlyteError;

const flyteErrorClasses = new Map<string, { name: string; cls: FlyteErrorClass }>(
  [
    RuntimeUserError,
    RuntimeSystemError,
    OOMError,
    TimeoutError,
    RetriesExhaustedError,
    NonRecoverableError,
    ActionAbortedError,
    InvalidInputError,
    InvalidOptionError,
    SerializationError,
    CacheError,
    TaskNotFoundError,
    RunNotFoundError,
    ActionNotFoundError,
  ].map((cls) => [cls.code, { name: cls.prototype.name, cls }] as const),
);
/** Every fixed-code class, by code: how a stored record finds its class again. */
export const FLYTE_ERROR_CLASSES: ReadonlyMap<string, { name: string; cls: FlyteErrorClass }> = flyteErrorClasses;

// Retrying cannot fix these: the input, the options or the code itself is wrong, or someone asked to stop.
const NON_RETRYABLE_CODES = new Set<string>([
  NonRecoverableError.code,
  ActionAbortedError.code,
  InvalidInputError.code,
  InvalidOptionError.code,
  SerializationError.code,
  TaskNotFoundError.code,
  RunNotFoundError.code,
  ActionNotFoundError.code,
]);

/**
 * Adds a fixed-code Flyte class defined in a sibling module (e.g. data-errors.ts) to the code lookup and the
 * retry policy: those modules extend FlyteError, so this file cannot list them without an import cycle.
 */
export function registerFlyteErrorClass(cls: FlyteErrorClass & { readonly code: string }, retryable: boolean): void {
  flyteErrorClasses.set(cls.code, { name: cls.prototype.name, cls });
  if (!retryable) NON_RETRYABLE_CODES.add(cls.code);
}

/** Duck-typed so errors from another copy of this package (or hand-built ones) are read the same way. */
function flyteFields(e: unknown): { code: string; kind: ErrorKind } | undefined {
  if (e instanceof FlyteError) return e;
  if (typeof e !== "object" || e === null) return undefined;
  const { code, kind } = e as { code?: unknown; kind?: unknown };
  if (typeof code === "string" && (kind === "user" || kind === "system")) return { code, kind };
  return undefined;
}

/** The kind of any thrown value: a FlyteError's own kind, "user" for everything else. */
export function errorKind(e: unknown): ErrorKind {
  return flyteFields(e)?.kind ?? "user";
}

/** The code of any thrown value: a FlyteError's own code, "USER_ERROR" for everything else. */
export function errorCode(e: unknown): string {
  return flyteFields(e)?.code ?? RuntimeUserError.code;
}

/**
 * Whether another attempt could succeed. False for errors about the input, the options, a missing task or run,
 * an abort or a NonRecoverableError; true for everything else, including timeouts and plain Errors.
 */
export function isRetryable(error: unknown): boolean {
  return !NON_RETRYABLE_CODES.has(errorCode(error));
}
