// Turns AWS SDK failures into data errors that name the URI and the fix: a missing object is DataNotFoundError,
// refused or missing credentials (and a missing bucket) are DataAccessError, and everything else (network,
// throttling, server errors) is DataStoreError, which the platform retries.
import { DataAccessError, DataNotFoundError, DataStoreError, FlyteError } from "../errors/index.js";

export interface S3ErrorContext {
  readonly uri: string;
  /** What was being done, e.g. "read", "write", "list", "delete". */
  readonly doing: string;
  readonly bucket: string;
  /** The endpoint, or undefined for AWS S3 itself. */
  readonly endpoint: string | undefined;
}

const NOT_FOUND = new Set(["NoSuchKey", "NotFound"]);
const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AllAccessDisabled",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "InvalidClientTokenId",
]);
const CREDENTIAL_HELP =
  "check the store's credentials option, or the environment variables AWS_ACCESS_KEY_ID and " +
  "AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary keys) or AWS_PROFILE";

interface SdkErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function fields(error: unknown): { name: string; message: string; status: number | undefined } {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorFields;
  const name = typeof e.name === "string" ? e.name : "Error";
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  let message = typeof e.message === "string" ? e.message : String(error);
  // Network errors carry the useful part (ECONNREFUSED, ENOTFOUND) in `code`, often with an empty message.
  if (typeof e.code === "string" && !message.includes(e.code)) message = `${e.code} ${message}`.trim();
  return { name, message, status };
}

/** The data error for a failed S3 call; FlyteErrors pass through unchanged. */
export function s3Error(error: unknown, context: S3ErrorContext): Error {
  if (error instanceof FlyteError) return error;
  const { uri, doing, bucket, endpoint } = context;
  const where = endpoint === undefined ? "AWS S3" : endpoint;
  const { name, message, status } = fields(error);
  const options = { cause: error };
  if (name === "NoSuchBucket") {
    return new DataAccessError(
      `cannot ${doing} "${uri}": bucket "${bucket}" does not exist at ${where}; create it, or fix the bucket ` +
        `name in the store URI`,
      options,
    );
  }
  if (NOT_FOUND.has(name) || status === 404) {
    return new DataNotFoundError(
      `no object at "${uri}": check the URI, or write the object before reading it`,
      options,
    );
  }
  if (name === "CredentialsProviderError") {
    return new DataAccessError(`cannot ${doing} "${uri}": no S3 credentials were found; ${CREDENTIAL_HELP}`, options);
  }
  if (/region is missing/i.test(message)) {
    return new DataAccessError(
      `cannot ${doing} "${uri}": no AWS region is configured; set AWS_REGION or pass the store's region option`,
      options,
    );
  }
  if (ACCESS_DENIED.has(name) || status === 401 || status === 403) {
    return new DataAccessError(
      `${where} refused to ${doing} "${uri}" (${name}${status === undefined ? "" : ` ${status}`}): ` +
        `${CREDENTIAL_HELP}, and that those credentials may ${doing} in bucket "${bucket}"`,
      options,
    );
  }
  return new DataStoreError(
    `cannot ${doing} "${uri}": the request to ${where} failed (${name}${status === undefined ? "" : ` ${status}`}: ` +
      `${message}); check that the endpoint is reachable and healthy, then try again`,
    options,
  );
}
