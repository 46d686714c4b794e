// Errors about stored data (blob stores, files, data frames). Each class has a fixed code and kind like the classes
// in errors.ts and registers itself there, so stored records revive as these classes and `isRetryable` knows them.
// Only DataStoreError (network or server trouble) is worth retrying; the others need a person to fix something.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/** No object at that URI: the message names the URI. */
export class DataNotFoundError extends FlyteError {
  static override readonly code = "DATA_NOT_FOUND";
  static {
    nameErrorClass(this, "DataNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DataNotFoundError.code, kind: "user" });
  }
}

/**
 * The store refused the request: wrong or missing credentials, no permission on the bucket or folder, or a setup
 * that cannot work as configured (a bucket that does not exist, a key whose name a folder already holds).
 */
export class DataAccessError extends FlyteError {
  static override readonly code = "DATA_ACCESS_DENIED";
  static {
    nameErrorClass(this, "DataAccessError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DataAccessError.code, kind: "user" });
  }
}

/** The store could not be reached or failed (network, server error, full disk); another attempt may succeed. */
export class DataStoreError extends FlyteError {
  static override readonly code = "DATA_STORE_ERROR";
  static {
    nameErrorClass(this, "DataStoreError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DataStoreError.code, kind: "system" });
  }
}

/** A file that cannot be read as what it claims to be, e.g. a corrupt Parquet file. */
export class DataFormatError extends FlyteError {
  static override readonly code = "DATA_FORMAT";
  static {
    nameErrorClass(this, "DataFormatError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DataFormatError.code, kind: "user" });
  }
}

registerFlyteErrorClass(DataNotFoundError, false);
registerFlyteErrorClass(DataAccessError, false);
registerFlyteErrorClass(DataStoreError, true);
registerFlyteErrorClass(DataFormatError, false);
