// The options of the S3 store, checked when the store is created: each error names the option, the bad value
// and what is allowed. Unset credentials and region are left to the AWS SDK's default chain (env, profile, IMDS).
import { InvalidOptionError } from "../errors/index.js";
import { keySegments, parseS3Uri } from "./uri.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3BlobStoreOptions {
  /** The bucket; it must exist. */
  bucket: string;
  /** Key prefix all objects of this store live under, e.g. "flyte/data" (no leading or trailing "/" needed). */
  prefix?: string;
  /** Endpoint of an S3-compatible server, e.g. `http://127.0.0.1:9000`; unset for AWS S3. */
  endpoint?: string;
  /** Defaults to AWS_REGION / the AWS profile; "us-east-1" when an endpoint is given and nothing else is set. */
  region?: string;
  /** Defaults to the SDK's chain: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles... */
  credentials?: S3Credentials;
  /** Path-style URLs (`endpoint/bucket/key`); defaults to true when an endpoint is given, as most servers need. */
  forcePathStyle?: boolean;
  /** Objects per ListObjectsV2 request, 1-1000 (default 1000). */
  listPageSize?: number;
}

export interface CheckedS3Options {
  bucket: string;
  prefix: string;
  endpoint: string | undefined;
  region: string | undefined;
  credentials: S3Credentials | undefined;
  forcePathStyle: boolean;
  listPageSize: number;
}

function fail(option: string, value: unknown, allowed: string): never {
  throw new InvalidOptionError(`S3BlobStore: invalid ${option} ${JSON.stringify(value)}: ${allowed}`);
}

function checkCredentials(credentials: S3Credentials | undefined): S3Credentials | undefined {
  if (credentials === undefined) return undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (typeof accessKeyId !== "string" || accessKeyId === "" || typeof secretAccessKey !== "string" || secretAccessKey === "") {
    // The secret is never echoed back.
    fail("credentials", { accessKeyId }, "expected non-empty accessKeyId and secretAccessKey strings");
  }
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

export function checkS3StoreOptions(options: S3BlobStoreOptions): CheckedS3Options {
  if (typeof options !== "object" || options === null) fail("options", options, "expected { bucket, prefix?, ... }");
  const { bucket } = options;
  if (typeof bucket !== "string") fail("bucket", bucket, "expected a bucket name");
  parseS3Uri(`s3://${bucket}`); // validates the name, with its own message
  const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix !== "") {
    try {
      keySegments(prefix);
    } catch {
      fail("prefix", options.prefix, 'expected "/"-separated segments without empty, "." or ".." parts');
    }
  }
  const { endpoint } = options;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
      fail("endpoint", endpoint, "expected an http:// or https:// URL such as http://127.0.0.1:9000");
    }
  }
  const env = process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint === undefined ? undefined : "us-east-1");
  if (region !== undefined && (typeof region !== "string" || region === "")) fail("region", region, "expected e.g. us-east-1");
  const listPageSize = options.listPageSize ?? 1000;
  if (!Number.isInteger(listPageSize) || listPageSize < 1 || listPageSize > 1000) {
    fail("listPageSize", listPageSize, "expected an integer from 1 to 1000");
  }
  return {
    bucket,
    prefix,
    endpoint,
    region,
    credentials: checkCredentials(options.credentials),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    listPageSize,
  };
}
