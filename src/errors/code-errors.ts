// Errors about code bundles: the file a remote run ships to the server could not be bundled, or the server has
// no bundle with the hash a request names. Fixed codes like the classes in errors.ts, registered there so stored
// records revive as these classes; neither is worth retrying, a person has to fix the file or upload the bundle.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/** A TypeScript file could not be bundled (syntax error, missing import, missing file): the message names the file and line. */
export class CodeBundleError extends FlyteError {
  static override readonly code = "CODE_BUNDLE";
  static {
    nameErrorClass(this, "CodeBundleError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: CodeBundleError.code, kind: "user" });
  }
}

/** No code bundle with that hash was uploaded to the server. */
export class CodeNotFoundError extends FlyteError {
  static override readonly code = "CODE_NOT_FOUND";
  static {
    nameErrorClass(this, "CodeNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: CodeNotFoundError.code, kind: "user" });
  }
}

registerFlyteErrorClass(CodeBundleError, false);
registerFlyteErrorClass(CodeNotFoundError, false);
