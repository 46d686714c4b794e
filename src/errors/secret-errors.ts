// Errors about secrets: a task (or a request) names a secret that is not stored for its project and domain, a
// secret cannot be written at its mountPath, or the encrypted secret store cannot be read with the key it was
// given. Fixed codes like the classes in errors.ts, registered there so stored records revive as these classes;
// retrying fixes none of them.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/**
 * One or more secrets are not stored for the project and domain that asked for them. The message names every
 * missing secret with its scope and the `flyte create secret` command that adds it. Never carries a value.
 */
export class SecretNotFoundError extends FlyteError {
  static override readonly code = "SECRET_NOT_FOUND";
  static {
    nameErrorClass(this, "SecretNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: SecretNotFoundError.code, kind: "user" });
  }
}

/**
 * The secret store cannot be used: its key is missing, malformed, readable by others or not the one the secrets
 * were encrypted with, or the store file was altered. The message says which and what to do.
 */
export class SecretStoreError extends FlyteError {
  static override readonly code = "SECRET_STORE";
  static {
    nameErrorClass(this, "SecretStoreError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: SecretStoreError.code, kind: "system" });
  }
}

/**
 * A secret's `mountPath` cannot hold it: the path is inside the server's (or local mode's) state folder, another
 * file is already there, another scope holds a different value at that path, or the file cannot be written. The
 * message names the path and the fix; it never carries the value.
 */
export class SecretMountError extends FlyteError {
  static override readonly code = "SECRET_MOUNT";
  static {
    nameErrorClass(this, "SecretMountError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: SecretMountError.code, kind: "user" });
  }
}

registerFlyteErrorClass(SecretNotFoundError, false);
registerFlyteErrorClass(SecretMountError, false);
registerFlyteErrorClass(SecretStoreError, false);
