// The blob part: where files, directories, data frames and offloaded values live. Other parts import from here
// only: the BlobStore interface, the folder and S3 stores, the factory that opens one from a spec, URI helpers.
export type { BlobStore, BlobInfo, BlobBody } from "./types.js";
export type { ByteRange } from "./byte-range.js";
export { FolderBlobStore } from "./folder-store.js";
// The S3 store class itself is not re-exported as a value: importing it loads the AWS SDK. openBlobStore returns
// a store that loads it on first use; code that needs the class imports ./s3-store.js directly.
export type { S3BlobStore } from "./s3-store.js";
export { LazyS3BlobStore } from "./lazy-s3-store.js";
export type { S3BlobStoreOptions, S3Credentials } from "./s3-options.js";
export { openBlobStore } from "./open-blob-store.js";
export type { OpenBlobStoreOptions } from "./open-blob-store.js";
export { keySegments, normalizeFileUri, parseBlobUri, parseS3Uri } from "./uri.js";
export type { ParsedBlobUri } from "./uri.js";
