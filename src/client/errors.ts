// How the client reports failures: an API error response becomes the Flyte error class of its code where one
// exists (so `code` checks and `instanceof` both work), else a FlyteApiError with the code, message and status;
// a 401 and an unreachable server get their own errors that say how to fix them.
import {
  CodeNotFoundError,
  DeployedTaskNotFoundError,
  FlyteError,
  InvalidInputError,
  InvalidOptionError,
  RunNotFoundError,
  SecretNotFoundError,
  SerializationError,
  TaskNotFoundError,
  TaskVersionConflictError,
  type FlyteErrorSubclassOptions,
} from "../errors/index.js";

/** An error response of the API that no dedicated Flyte error class covers (409, 400 INVALID_REQUEST, 500…). */
export class FlyteApiError extends FlyteError {
  constructor(
    message: string,
    code: string,
    readonly status: number,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message, { code, kind: status >= 500 ? "system" : "user" });
  }
}

/** The server wants a token and got none, or a wrong one. */
export class UnauthorizedError extends FlyteError {
  static override readonly code = "UNAUTHORIZED";
  readonly status = 401;
  constructor(message: string) {
    super(message, { code: UnauthorizedError.code, kind: "user" });
  }
}

/** The server could not be reached at all (refused, DNS, reset). */
export class ServerUnreachableError extends FlyteError {
  static override readonly code = "SERVER_UNREACHABLE";
  constructor(message: string, options?: FlyteErrorSubclassOptions) {
    super(message, { ...options, code: ServerUnreachableError.code, kind: "system" });
  }
}

type ErrorClass = new (message: string) => FlyteError;
const CLASS_BY_CODE: Readonly<Record<string, ErrorClass>> = {
  RUN_NOT_FOUND: RunNotFoundError,
  TASK_NOT_FOUND: TaskNotFoundError,
  CODE_NOT_FOUND: CodeNotFoundError,
  SECRET_NOT_FOUND: SecretNotFoundError,
  DEPLOYED_TASK_NOT_FOUND: DeployedTaskNotFoundError,
  TASK_VERSION_CONFLICT: TaskVersionConflictError,
  INVALID_INPUT: InvalidInputError,
  INVALID_OPTION: InvalidOptionError,
  SERIALIZATION: SerializationError,
};

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; requestId?: unknown };
}

/** The error for a non-2xx response; `text` is the raw body (the API's `{ error }` shape, or anything else). */
export function responseError(status: number, text: string, endpoint: string, sentToken: boolean): FlyteError {
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    // Not JSON (a proxy's error page): described by its status below.
  }
  const detail = body.error ?? {};
  const code = typeof detail.code === "string" ? detail.code : `HTTP_${status}`;
  const message = typeof detail.message === "string" ? detail.message : `the server at ${endpoint} answered HTTP ${status}: ${text.slice(0, 200)}`;
  if (status === 401) {
    const what = sentToken ? "rejected the API token (it is wrong)" : "requires an API token and none was sent";
    return new UnauthorizedError(
      `the Flyte server at ${endpoint} ${what}; set FLYTE_API_TOKEN to the token the server printed when it started ` +
        `(also stored in its <localDir>/server-token), or pass { token } to FlyteClient`,
    );
  }
  const cls = CLASS_BY_CODE[code];
  if (cls) return new cls(message);
  const field = typeof detail.field === "string" ? detail.field : undefined;
  const requestId = typeof detail.requestId === "string" ? detail.requestId : undefined;
  return new FlyteApiError(message, code, status, field, requestId);
}

/** The error for a request that never got a response. */
export function unreachableError(endpoint: string, cause: unknown): ServerUnreachableError {
  const reason = (cause as { code?: unknown } | undefined)?.code;
  const why = typeof reason === "string" ? ` (${reason})` : "";
  return new ServerUnreachableError(
    `cannot reach the Flyte server at ${endpoint}${why}; start one with "flyte start server", or fix the endpoint ` +
      `(config key "endpoint" or --endpoint)`,
    { cause },
  );
}
