// The errors part: the Flyte error hierarchy and the one converter between errors and stored records.
// Other parts import from here only.
export type { ErrorKind, ErrorRecord } from "./types.js";
export {
  ActionAbortedError,
  ActionNotFoundError,
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
} from "./errors.js";
export { DataAccessError, DataFormatError, DataNotFoundError, DataStoreError } from "./data-errors.js";
export { CodeBundleError, CodeNotFoundError } from "./code-errors.js";
export { SecretMountError, SecretNotFoundError, SecretStoreError } from "./secret-errors.js";
export { DependencyInstallError } from "./dependency-errors.js";
export { DeployedTaskNotFoundError, TaskVersionConflictError } from "./deploy-errors.js";
export { StoreInUseError } from "./store-errors.js";
export type { FlyteErrorClass, FlyteErrorOptions, FlyteErrorSubclassOptions } from "./errors.js";
export { ensureError, fromErrorRecord, registerErrorClass, toErrorRecord } from "./error-record.js";
export type { ErrorClass } from "./error-record.js";
