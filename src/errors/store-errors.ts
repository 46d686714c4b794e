// Errors about the run store as a whole rather than one record in it. Fixed codes like the classes in errors.ts,
// registered there so that stored records revive as these classes; a person has to act, so none is retried.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/**
 * Another server holds the run store a server is starting on. Two servers on one store would each resume the
 * other's runs and run their actions twice, so the second one refuses to start; the message names the holder.
 */
export class StoreInUseError extends FlyteError {
  static override readonly code = "STORE_IN_USE";
  static {
    nameErrorClass(this, "StoreInUseError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: StoreInUseError.code, kind: "user" });
  }
}

registerFlyteErrorClass(StoreInUseError, false);
