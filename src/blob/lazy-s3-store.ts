// An S3 store that loads the AWS SDK (~300 ms) only when the store is first used, so programs that never touch
// S3 — and every `import "flyte"` — do not pay for it. URIs are answered without the SDK.
import type { S3BlobStore } from "./s3-store.js";
import { checkS3StoreOptions, type S3BlobStoreOptions } from "./s3-options.js";
import type { BlobBody, BlobInfo, BlobStore } from "./types.js";
import type { ByteRange } from "./byte-range.js";
import { isUnderRoot, keySegments } from "./uri.js";

export class LazyS3BlobStore implements BlobStore {
  readonly root: string;
  private store: Promise<S3BlobStore> | undefined;

  constructor(private readonly options: S3BlobStoreOptions) {
    // Validate now, so a bad bucket or prefix fails where the store is configured, not at first use.
    const { bucket, prefix } = checkS3StoreOptions(options);
    this.root = `s3://${bucket}${prefix === "" ? "" : `/${prefix}`}`;
  }

  owns(uri: string): boolean {
    return isUnderRoot(this.root, uri);
  }

  uriOf(key: string): string {
    return `${this.root}/${keySegments(key).join("/")}`;
  }

  async put(uri: string, body: BlobBody): Promise<BlobInfo> {
    return (await this.real()).put(uri, body);
  }

  async putFile(uri: string, localPath: string): Promise<BlobInfo> {
    return (await this.real()).putFile(uri, localPath);
  }

  async get(uri: string): Promise<Uint8Array> {
    return (await this.real()).get(uri);
  }

  async openRead(uri: string, range?: ByteRange): Promise<import("node:stream").Readable> {
    return (await this.real()).openRead(uri, range);
  }

  async download(uri: string, localPath: string): Promise<void> {
    return (await this.real()).download(uri, localPath);
  }

  async stat(uri: string): Promise<BlobInfo | undefined> {
    return (await this.real()).stat(uri);
  }

  async *list(prefixUri: string): AsyncIterable<BlobInfo> {
    yield* (await this.real()).list(prefixUri);
  }

  async delete(uri: string): Promise<void> {
    return (await this.real()).delete(uri);
  }

  /** The underlying store (loading the SDK now if it is not loaded yet). */
  resolve(): Promise<S3BlobStore> {
    return this.real();
  }

  /** Closes the client's connections if the SDK was ever loaded. */
  async destroy(): Promise<void> {
    if (this.store) (await this.store).destroy();
  }

  private real(): Promise<S3BlobStore> {
    this.store ??= import("./s3-store.js").then(({ S3BlobStore }) => new S3BlobStore(this.options));
    return this.store;
  }
}
