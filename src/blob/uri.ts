// Blob URIs and keys: parsing `file://` and `s3://` URIs, validating keys, and mapping a URI to the key segments
// under a store's root. Keys are relative "/"-separated paths with no empty, "." or ".." segment, so a key can
// never escape its root on disk and means the same object in the folder store and in S3.
import { fileURLToPath } from "node:url";
import { InvalidOptionError } from "../errors/index.js";

export type ParsedBlobUri =
  | { readonly scheme: "file"; readonly path: string }
  | { readonly scheme: "s3"; readonly bucket: string; readonly key: string };

const KEY_RULE =
  'keys are relative "/"-separated paths without empty, "." or ".." segments, e.g. "runs/r1/out.json"';
// Bucket names as S3 allows them (plus "_" for older buckets); checked early so a typo fails with a clear message.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/** `file:/x` and `file://localhost/x` are the same file as `file:///x`; one spelling keeps `owns()` a prefix test. */
export function normalizeFileUri(uri: string): string {
  if (/^file:\/\/localhost\//i.test(uri)) return `file:///${uri.slice("file://localhost/".length)}`;
  if (/^file:\/(?!\/)/i.test(uri)) return `file:///${uri.slice("file:/".length)}`;
  return uri;
}

/** Splits an `s3://bucket/key` URI; the key may be empty (the bucket itself) and keeps its slashes as they are. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  const bucket = match?.[1] ?? "";
  if (!BUCKET.test(bucket)) {
    throw new InvalidOptionError(
      `"${uri}" is not a valid S3 URI: expected s3://bucket/key with a bucket name of 3-63 lowercase letters, ` +
        `digits, "." or "-"`,
    );
  }
  return { bucket, key: match?.[2] ?? "" };
}

/**
 * Parses a blob URI: `file:///abs/path` (also `file:/abs/path`) or `s3://bucket/key`.
 * @example parseBlobUri("s3://data/runs/r1") // { scheme: "s3", bucket: "data", key: "runs/r1" }
 */
export function parseBlobUri(uri: string): ParsedBlobUri {
  if (/^s3:/i.test(uri)) return { scheme: "s3", ...parseS3Uri(uri) };
  if (/^file:/i.test(uri)) {
    const normalized = normalizeFileUri(uri);
    try {
      return { scheme: "file", path: fileURLToPath(normalized) };
    } catch (error) {
      throw new InvalidOptionError(
        `"${uri}" is not a valid file URI: expected file:///absolute/path (build one with url.pathToFileURL)`,
        { cause: error },
      );
    }
  }
  throw new InvalidOptionError(`"${uri}" is not a blob URI: expected file:///absolute/path or s3://bucket/key`);
}

/** The segments of a valid key; throws an error naming the key and the rule otherwise. */
export function keySegments(key: string): string[] {
  const segments = key.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\0"))) {
    throw new InvalidOptionError(`blob key "${key}" is invalid: ${KEY_RULE}`);
  }
  return segments;
}

/** Whether `uri` is the root or below it; `s3://b/pre` does not own `s3://b/prefix/x`. */
export function isUnderRoot(root: string, uri: string): boolean {
  return uri === root || uri === `${root}/` || uri.startsWith(`${root}/`);
}

export function notUnderRoot(uri: string, root: string): InvalidOptionError {
  return new InvalidOptionError(
    `blob URI "${uri}" is not under this store's root "${root}": use a URI that starts with "${root}/" ` +
      `(store.uriOf(key) builds one), or read it through the store that owns it`,
  );
}

/**
 * The key segments of `uri` below `root` (empty for the root itself). With `allowTrailingSlash` a URI ending in
 * "/" is accepted, for prefixes. `decode` undoes the percent-encoding of file URIs.
 */
export function segmentsUnder(
  root: string,
  uri: string,
  options: { decode: boolean; allowTrailingSlash: boolean },
): string[] {
  if (!isUnderRoot(root, uri)) throw notUnderRoot(uri, root);
  let rest = uri.slice(root.length + 1);
  if (options.allowTrailingSlash && rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest === "") {
    if (options.allowTrailingSlash) return [];
    throw new InvalidOptionError(`blob URI "${uri}" names the store's root, not an object: add a key after it`);
  }
  let segments = rest.split("/");
  if (options.decode) {
    try {
      segments = segments.map((s) => decodeURIComponent(s));
    } catch (error) {
      throw new InvalidOptionError(`blob URI "${uri}" has a malformed %-escape: build it with store.uriOf(key)`, {
        cause: error,
      });
    }
    // An encoded "/" would turn one segment into two path components on disk.
    if (segments.some((s) => s.includes("/"))) {
      throw new InvalidOptionError(`blob URI "${uri}" is invalid: a key segment contains an encoded "/"`);
    }
  }
  try {
    return keySegments(segments.join("/"));
  } catch (error) {
    throw new InvalidOptionError(`blob URI "${uri}" is invalid: ${KEY_RULE}`, { cause: error });
  }
}
