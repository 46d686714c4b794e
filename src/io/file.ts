// File: a reference to one object in the run's blob store (or, outside a run, to a local file). It crosses task
// boundaries as { uri, name, size, hash } — never its bytes — and is identified in cache keys by its content
// hash, so the same content under another path is a cache hit.
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { DataNotFoundError, InvalidInputError } from "../errors/index.js";
import { registerCodec } from "./codec-registry.js";
import { currentDataContext, storeForUri } from "./data-context.js";
import {
  downloadUri,
  hashLocalFile,
  localPathOf,
  newObjectUri,
  openUri,
  scratchPath,
  writeHashed,
} from "./blob-access.js";

export interface FileRef {
  readonly uri: string;
  readonly name: string;
  readonly size?: number | undefined;
  /** sha256 of the content, hex. */
  readonly hash?: string | undefined;
}

/**
 * A file passed between tasks by reference.
 * @example
 * const report = await File.fromLocal("out/report.pdf");      // uploaded into the run's storage
 * const text = await input.readText();                         // in the next task
 */
export class File {
  readonly uri: string;
  readonly name: string;
  #size: number | undefined;
  #hash: string | undefined;

  /** @internal Use the static constructors. */
  constructor(ref: FileRef) {
    this.uri = ref.uri;
    this.name = ref.name;
    this.#size = ref.size;
    this.#hash = ref.hash;
  }

  /** Size in bytes, when known (always after it was written through this API). */
  get size(): number | undefined {
    return this.#size;
  }

  /** sha256 of the content (hex), when known. */
  get hash(): string | undefined {
    return this.#hash;
  }

  /** The local path, for a file on this machine (`file://` URI); undefined for remote objects — use download(). */
  get path(): string | undefined {
    return localPathOf(this.uri);
  }

  /** A local file. Inside a run it is uploaded into the action's storage; outside, it is referenced in place. */
  static async fromLocal(localPath: string, options: { name?: string } = {}): Promise<File> {
    const absolute = path.resolve(localPath);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile()) {
      throw new DataNotFoundError(`local file ${absolute} ${info ? "is not a regular file" : "does not exist"}; check the path`);
    }
    const name = options.name ?? path.basename(absolute);
    const ctx = currentDataContext();
    if (!ctx) {
      const { size, hash } = await hashLocalFile(absolute);
      return new File({ uri: pathToFileURL(absolute).href, name, size, hash });
    }
    const uri = newObjectUri(ctx, name);
    // putFile streams multipart parts straight from disk (bounded memory on S3); the hash is a parallel read.
    const [{ size, hash }] = await Promise.all([hashLocalFile(absolute), ctx.store.putFile(uri, absolute)]);
    return new File({ uri, name, size, hash });
  }

  /** A file with the given text (UTF-8). */
  static async fromString(text: string, name = "file.txt"): Promise<File> {
    return File.fromBytes(Buffer.from(text, "utf8"), name);
  }

  /** A file with the given bytes. Inside a run it is written to the action's storage; outside, to a scratch folder. */
  static async fromBytes(bytes: Uint8Array, name = "file.bin"): Promise<File> {
    const ctx = currentDataContext();
    if (!ctx) {
      const local = scratchPath(name);
      const { mkdir, writeFile } = await import("node:fs/promises");
      await mkdir(path.dirname(local), { recursive: true });
      await writeFile(local, bytes);
      return File.fromLocal(local, { name });
    }
    const file = File.new(name);
    await file.write(bytes);
    return file;
  }

  /**
   * A new, empty location in the current action's storage to write into (`await file.write(...)`). Each attempt
   * has its own prefix, so a retry never sees what a failed attempt half-wrote.
   */
  static new(name = "file"): File {
    const ctx = currentDataContext();
    if (!ctx) {
      throw new InvalidInputError(`File.new("${name}") creates a file in the run's storage, so it only works inside a task; outside a run use File.fromLocal or File.fromString`);
    }
    return new File({ uri: newObjectUri(ctx, name), name });
  }

  /** Writes the file's content (bytes, text or a stream), replacing what was there. */
  async write(body: string | Uint8Array | Readable): Promise<this> {
    const store = storeForUri(this.uri);
    if (!store) throw new InvalidInputError(`${this.uri} is not in a writable store; create the file with File.new() inside a task`);
    const { size, hash } = await writeHashed(store, this.uri, body);
    this.#size = size;
    this.#hash = hash;
    return this;
  }

  /** A stream of the content (optionally a byte range, end inclusive). */
  open(range?: { start: number; end?: number }): Promise<Readable> {
    return openUri(this.uri, range);
  }

  async read(): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of (await this.open()) as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async readText(): Promise<string> {
    return Buffer.from(await this.read()).toString("utf8");
  }

  /** Copies the file to `dest` (default: a scratch folder of the current attempt) and returns the local path. */
  async download(dest?: string): Promise<string> {
    const target = dest ?? this.path ?? scratchPath(this.name);
    if (target === this.path) {
      if (!(await stat(target).catch(() => undefined))) throw new DataNotFoundError(`${this.uri} does not exist anymore`);
      return target;
    }
    await downloadUri(this.uri, target);
    return target;
  }

  toJSON(): FileRef {
    return { uri: this.uri, name: this.name, size: this.#size, hash: this.#hash };
  }
}

registerCodec<File>({
  tag: "file",
  test: (value): value is File => value instanceof File,
  encode: (file) => file.toJSON(),
  decode: (data) => new File(data as FileRef),
  identity: (file) => (file.hash !== undefined ? { hash: file.hash } : { uri: file.uri }),
});
