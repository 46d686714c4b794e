// What users see as `flyte.errors`: the error classes and the helpers that work on revived errors.
export {
  ActionAbortedError,
  CacheError,
  FlyteError,
  InvalidInputError,
  InvalidOptionError,
  NonRecoverableError,
  OOMError,
  RetriesExhaustedError,
  RunNotFoundError,
  RuntimeSystemError,
  RuntimeUserError,
  SerializationError,
  TaskNotFoundError,
  TimeoutError,
  errorCode,
  errorKind,
  isRetryable,
  registerErrorClass,
} from "./index.js";
export type { ErrorKind } from "./index.js";
