// The API's one error shape, `{ error: { code, message, field?, requestId? } }`, and how any thrown error maps to
// it: ApiErrors carry their status; Flyte errors map by their stable `code` (never `instanceof`, so revived
// errors map too); anything else is a 500 that the caller logs under the request id.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorCode } from "../errors/index.js";

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly field?: string;
    readonly requestId?: string;
  };
}

/** An error the API reports as is: its status, a stable code, a message saying what to do, maybe the field. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 400 for a request body or query parameter that is not what the endpoint accepts; names the field. */
export function invalidField(field: string, message: string): ApiError {
  return new ApiError(400, "INVALID_REQUEST", `${field}: ${message}`, field);
}

export function notFound(
  code: "RUN_NOT_FOUND" | "ACTION_NOT_FOUND" | "TASK_NOT_FOUND" | "REPORT_NOT_FOUND" | "WORKER_NOT_FOUND" | "NOT_FOUND",
  message: string,
): ApiError {
  return new ApiError(404, code, message);
}

// Flyte error codes that mean "the request was wrong", with the status they deserve.
const FLYTE_CODE_STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  INVALID_INPUT: 400,
  INVALID_OPTION: 400,
  SERIALIZATION: 400,
  TASK_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  CODE_NOT_FOUND: 404,
  CODE_BUNDLE: 400,
  // The bundle's npm packages cannot be installed on the server (a version that does not exist, say).
  DEPENDENCY_INSTALL: 422,
  SECRET_NOT_FOUND: 404,
  DEPLOYED_TASK_NOT_FOUND: 404,
  TASK_VERSION_CONFLICT: 409,
};

export interface MappedError {
  readonly status: ContentfulStatusCode;
  readonly body: ApiErrorBody;
  /** True for errors the server did not expect: they are logged with their stack. */
  readonly unexpected: boolean;
}

export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof ApiError) {
    const field = error.field === undefined ? {} : { field: error.field };
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...field } }, unexpected: false };
  }
  const code = errorCode(error);
  const status = FLYTE_CODE_STATUS[code];
  if (status !== undefined && error instanceof Error) {
    return { status, body: { error: { code, message: error.message } }, unexpected: false };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "INTERNAL",
        message: `the server failed to handle this request; report request id ${requestId} to its operator`,
        requestId,
      },
    },
    unexpected: true,
  };
}
