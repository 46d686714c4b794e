// Opens the BlobStore a spec names, as given on the command line or in config: a folder (`file:/abs/dir`,
// `file:///abs/dir` or a plain path) or an S3 prefix (`s3://bucket/prefix`). S3 settings come from the options
// first, then the environment (FLYTE_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
import { InvalidOptionError } from "../errors/index.js";
import { FolderBlobStore } from "./folder-store.js";
import type { S3Credentials } from "./s3-options.js";
import { LazyS3BlobStore } from "./lazy-s3-store.js";
import type { BlobStore } from "./types.js";
import { parseBlobUri, parseS3Uri } from "./uri.js";

export interface OpenBlobStoreOptions {
  /** S3-compatible endpoint; defaults to FLYTE_S3_ENDPOINT. */
  endpoint?: string;
  /** Defaults to AWS_REGION (or AWS_DEFAULT_REGION). */
  region?: string;
  /** Defaults to AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the SDK's chain. */
  credentials?: S3Credentials;
  forcePathStyle?: boolean;
  /** Where the defaults are read from; `process.env` unless given (tests pass their own). */
  env?: Readonly<Record<string, string | undefined>>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): S3Credentials | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

function openS3(spec: string, options: OpenBlobStoreOptions): LazyS3BlobStore {
  const env = options.env ?? process.env;
  const { bucket, key } = parseS3Uri(spec);
  const endpoint = options.endpoint ?? nonEmpty(env.FLYTE_S3_ENDPOINT);
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  const credentials = options.credentials ?? credentialsFromEnv(env);
  return new LazyS3BlobStore({
    bucket,
    prefix: key,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
  });
}

/**
 * The store a spec names: `s3://bucket/prefix`, `file:///abs/dir`, `file:/abs/dir` or a local path (relative
 * paths are resolved against the current directory).
 * @example const store = openBlobStore(process.env.FLYTE_STORE ?? ".flyte/data")
 */
export function openBlobStore(spec: string, options: OpenBlobStoreOptions = {}): BlobStore {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new InvalidOptionError(
      `blob store ${JSON.stringify(spec)} is empty: expected s3://bucket/prefix, file:///abs/dir or a folder path`,
    );
  }
  if (/^s3:/i.test(spec)) return openS3(spec, options);
  if (/^file:/i.test(spec)) {
    const parsed = parseBlobUri(spec);
    if (parsed.scheme === "file") return new FolderBlobStore(parsed.path);
  }
  // Any other "scheme:" (but not a Windows drive like C:\) is a store we do not have.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(spec)?.[1];
  if (scheme !== undefined) {
    throw new InvalidOptionError(
      `blob store "${spec}" uses the unsupported scheme "${scheme}:": expected s3://bucket/prefix, ` +
        `file:///abs/dir or a folder path`,
    );
  }
  return new FolderBlobStore(spec);
}
