// The stored form of an error: what survives a process boundary or a crash. One converter
// (error-record.ts) turns errors into records and back, recursively through `cause`.

/** user: raised by task code (retried only when the task asks for retries); system: raised by the platform. */
export type ErrorKind = "user" | "system";

export interface ErrorRecord {
  kind: ErrorKind;
  /** Stable code, e.g. "TIMEOUT"; "USER_ERROR" for errors that are not FlyteErrors. */
  code: string;
  /** The error's class name as thrown, e.g. "TypeError" or a user-defined class name. */
  name: string;
  message: string;
  stack?: string;
  /** The attempt the error ended. */
  attempt?: number;
  cause?: ErrorRecord;
}
