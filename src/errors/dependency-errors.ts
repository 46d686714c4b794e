// Errors about a code bundle's npm dependencies: the exact versions it was built against could not be installed
// for it (unknown version, registry unreachable, a failing install script). Registered in errors.ts like the other
// fixed-code classes so stored records revive as this class; retrying the attempt would only repeat the install.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/**
 * npm could not install the packages a code bundle imports. The message names the bundle, every package with its
 * version, the tail of npm's output and what to do; the attempt (or the load of the bundle) fails with it.
 */
export class DependencyInstallError extends FlyteError {
  static override readonly code = "DEPENDENCY_INSTALL";
  static {
    nameErrorClass(this, "DependencyInstallError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DependencyInstallError.code, kind: "user" });
  }
}

registerFlyteErrorClass(DependencyInstallError, false);
