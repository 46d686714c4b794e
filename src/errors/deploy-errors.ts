// Errors about deployed tasks: a deploy names a version that already exists with other code, or a request names a
// deployed task (or version) that does not exist. Fixed codes like the classes in errors.ts, registered there so
// stored records revive as these classes; a person has to fix the request, so neither is retried.
import {
  FlyteError,
  errorOptions,
  nameErrorClass,
  registerFlyteErrorClass,
  type FlyteErrorSubclassOptions,
} from "./errors.js";

/** A task version is registered already with other code: versions are immutable, deploy under a new one. */
export class TaskVersionConflictError extends FlyteError {
  static override readonly code = "TASK_VERSION_CONFLICT";
  static {
    nameErrorClass(this, "TaskVersionConflictError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: TaskVersionConflictError.code, kind: "user" });
  }
}

/** No deployed task (or no such version of it) in the project and domain asked for; the message lists what exists. */
export class DeployedTaskNotFoundError extends FlyteError {
  static override readonly code = "DEPLOYED_TASK_NOT_FOUND";
  static {
    nameErrorClass(this, "DeployedTaskNotFoundError");
  }
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...errorOptions(options), code: DeployedTaskNotFoundError.code, kind: "user" });
  }
}

registerFlyteErrorClass(TaskVersionConflictError, false);
registerFlyteErrorClass(DeployedTaskNotFoundError, false);
