// The error of a bad command line: unknown flag, missing or malformed input. The CLI prints its message (which
// names the flag, the bad value, the expected type and an example) and exits with status 2.
import { FlyteError, type FlyteErrorSubclassOptions } from "../../errors/index.js";

/** A command-line mistake; `flyte` prints the message and exits 2. */
export class UsageError extends FlyteError {
  static override readonly code = "USAGE";
  static {
    Object.defineProperty(this.prototype, "name", { value: "UsageError", writable: true, configurable: true, enumerable: false });
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...(options && "cause" in options ? { cause: options.cause } : {}), code: UsageError.code, kind: "user" });
  }
}
