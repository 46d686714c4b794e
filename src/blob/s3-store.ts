// The S3 BlobStore, for AWS S3 and S3-compatible servers (MinIO, s3rver, R2...): objects are `s3://bucket/key`.
// Bodies stream both ways: puts go through lib-storage's Upload (multipart past 8 MiB, at most 4 parts in flight),
// files are uploaded part by part straight from disk, downloads are piped to disk. SDK failures become data errors.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createWriteStream } from "node:fs";
import { resolve } from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataNotFoundError } from "../errors/index.js";
import { checkByteRange, type ByteRange } from "./byte-range.js";
import {
  bodySize,
  isSourceError,
  localFileSize,
  localWriteError,
  watchSource,
  writeAtomically,
} from "./local-files.js";
import { s3Error } from "./s3-errors.js";
import { uploadFile } from "./s3-file-upload.js";
import { checkS3StoreOptions, type S3BlobStoreOptions } from "./s3-options.js";
import type { BlobBody, BlobInfo, BlobStore } from "./types.js";
import { isUnderRoot, keySegments, segmentsUnder } from "./uri.js";

export type { S3BlobStoreOptions } from "./s3-options.js";

const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** Counts the bytes of a stream as they pass, so a streamed put can report its size without a HEAD request. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * A BlobStore in an S3 bucket, under an optional key prefix. Credentials and region come from the options or the
 * SDK's default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_REGION...).
 * @example new S3BlobStore({ bucket: "data", prefix: "flyte", endpoint: "http://127.0.0.1:9000" })
 */
export class S3BlobStore implements BlobStore {
  readonly root: string;
  readonly bucket: string;
  /** Key prefix without leading or trailing "/"; "" for the whole bucket. */
  readonly prefix: string;
  readonly client: S3Client;
  private readonly endpoint: string | undefined;
  private readonly listPageSize: number;

  constructor(options: S3BlobStoreOptions) {
    const checked = checkS3StoreOptions(options);
    this.bucket = checked.bucket;
    this.prefix = checked.prefix;
    this.endpoint = checked.endpoint;
    this.listPageSize = checked.listPageSize;
    this.root = `s3://${this.bucket}${this.prefix === "" ? "" : `/${this.prefix}`}`;
    const config: S3ClientConfig = {
      // S3-compatible servers reject the SDK's newer default checksums (CRC32 trailers on every upload).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      forcePathStyle: checked.forcePathStyle,
    };
    if (checked.endpoint !== undefined) config.endpoint = checked.endpoint;
    if (checked.region !== undefined) config.region = checked.region;
    if (checked.credentials !== undefined) config.credentials = checked.credentials;
    this.client = new S3Client(config);
  }

  owns(uri: string): boolean {
    return isUnderRoot(this.root, uri);
  }

  uriOf(key: string): string {
    return `${this.root}/${keySegments(key).join("/")}`;
  }

  /** Closes the client's connections; the store cannot be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  async put(uri: string, body: BlobBody): Promise<BlobInfo> {
    const key = this.keyOf(uri);
    if (typeof body === "string" || body instanceof Uint8Array) {
      await this.upload(key, body).catch((error: unknown) => {
        throw this.error(error, uri, "write");
      });
      return { uri, size: bodySize(body) };
    }
    // Watched before any await, so a stream that fails early cannot crash the process.
    const watch = watchSource(body);
    const counter = new ByteCounter();
    watch.addSink(counter);
    // A failure of `body` destroys `counter` with the same error, which fails the upload that reads it: the
    // error is reported by upload(), so this copy of it needs no handler of its own.
    pipeline(body, counter).catch(() => undefined);
    try {
      await this.upload(key, counter);
    } catch (error) {
      watch.settle();
      // Stop reading the caller's stream: nothing will consume it now.
      counter.destroy();
      // The caller's stream failed: its own error says more than "the upload failed".
      throw isSourceError(error) ? error : this.error(error, uri, "write");
    }
    return { uri, size: counter.bytes };
  }

  async putFile(uri: string, localPath: string): Promise<BlobInfo> {
    const key = this.keyOf(uri);
    const size = await localFileSize(localPath, uri);
    const upload = { client: this.client, bucket: this.bucket, key, path: localPath, size };
    await uploadFile({ ...upload, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).catch((error: unknown) => {
      throw this.error(error, uri, "write");
    });
    return { uri, size };
  }

  async get(uri: string): Promise<Uint8Array> {
    const body = await this.getBody(uri, undefined);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw this.error(error, uri, "read");
    }
  }

  async openRead(uri: string, range?: ByteRange): Promise<Readable> {
    return this.getBody(uri, checkByteRange(uri, range));
  }

  async download(uri: string, localPath: string): Promise<void> {
    const body = await this.getBody(uri, undefined);
    const watch = watchSource(body);
    try {
      await writeAtomically(resolve(localPath), (temp) => {
        const out = createWriteStream(temp);
        watch.addSink(out);
        return pipeline(body, out);
      });
    } catch (error) {
      watch.settle();
      body.destroy();
      // A failing body already carries a data error (see getBody); anything else is the local side's.
      throw isSourceError(error) ? this.error(error, uri, "read") : localWriteError(error, uri, localPath);
    }
  }

  async stat(uri: string): Promise<BlobInfo | undefined> {
    const key = this.keyOf(uri);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { uri, size: head.ContentLength ?? 0 };
    } catch (error) {
      const mapped = this.error(error, uri, "stat");
      if (mapped instanceof DataNotFoundError) return undefined;
      throw mapped;
    }
  }

  async *list(prefixUri: string): AsyncIterable<BlobInfo> {
    const segments = segmentsUnder(this.root, prefixUri, { decode: false, allowTrailingSlash: true });
    // A prefix is a folder: "a/b" lists "a/b/..." and never "a/bc".
    const prefix = this.fullKey(segments);
    const listPrefix = prefix === "" ? "" : `${prefix}/`;
    let token: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: listPrefix,
        MaxKeys: this.listPageSize,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      });
      const page = await this.client.send(command).catch((error: unknown) => {
        throw this.error(error, prefixUri, "list");
      });
      for (const object of page.Contents ?? []) {
        const rest = object.Key?.slice(this.prefix === "" ? 0 : this.prefix.length + 1);
        // Folder markers ("x/") and keys this store cannot address ("a//b") made by other tools are not objects.
        if (rest === undefined || !isValidKey(rest)) continue;
        yield { uri: `${this.root}/${rest}`, size: object.Size ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(uri: string): Promise<void> {
    const key = this.keyOf(uri);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch((error: unknown) => {
      throw this.error(error, uri, "delete");
    });
  }

  private keyOf(uri: string): string {
    return this.fullKey(segmentsUnder(this.root, uri, { decode: false, allowTrailingSlash: false }));
  }

  private fullKey(segments: string[]): string {
    return [...(this.prefix === "" ? [] : [this.prefix]), ...segments].join("/");
  }

  private error(error: unknown, uri: string, doing: string): Error {
    return s3Error(error, { uri, doing, bucket: this.bucket, endpoint: this.endpoint });
  }

  /** Rejects with the SDK's (or the body's) own error: callers map it and release the body, knowing whose it was. */
  private async upload(key: string, body: Uint8Array | string | Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // A failed multipart upload is aborted so its parts do not linger (and cost) in the bucket.
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** The object's bytes as a stream whose errors are data errors; a range past the end reads as empty. */
  private async getBody(uri: string, range: ByteRange | undefined): Promise<Readable> {
    const key = this.keyOf(uri);
    // "bytes=0-" is the whole object; asking for it as a range makes S3 answer 416 for an empty object.
    const header =
      range === undefined || (range.start === 0 && range.end === undefined)
        ? {}
        : { Range: `bytes=${range.start}-${range.end ?? ""}` };
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...header }));
    } catch (error) {
      if ((error as { name?: unknown }).name === "InvalidRange") return Readable.from([]);
      throw this.error(error, uri, "read");
    }
    const body = response.Body;
    if (!(body instanceof Readable)) {
      throw this.error(new Error("the response has no readable body"), uri, "read");
    }
    const out = new PassThrough();
    body.once("error", (error) => out.destroy(this.error(error, uri, "read")));
    // A reader that stops early closes `out`; the HTTP response must be released with it.
    out.once("close", () => body.destroy());
    body.pipe(out);
    return out;
  }
}

function isValidKey(key: string): boolean {
  try {
    keySegments(key);
    return true;
  } catch {
    return false;
  }
}
