// Dir: a reference to a tree of files under one URI prefix. Uploaded file by file (streaming), identified in
// cache keys by a hash over its files' relative paths and content hashes.
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DataNotFoundError, InvalidInputError } from "../errors/index.js";
import { registerCodec } from "./codec-registry.js";
import { currentDataContext, storeForUri } from "./data-context.js";
import { downloadUri, hashLocalFile, localPathOf, newObjectUri, scratchPath, writeHashed } from "./blob-access.js";
import { File } from "./file.js";

export interface DirRef {
  readonly uri: string;
  readonly name: string;
  /** sha256 over the sorted (relative path, content hash) pairs, hex. */
  readonly hash?: string | undefined;
}

/**
 * A directory passed between tasks by reference.
 * @example const model = await Dir.fromLocal("checkpoints/"); for await (const file of model.walk()) { ... }
 */
export class Dir {
  readonly uri: string;
  readonly name: string;
  readonly hash: string | undefined;

  /** @internal Use Dir.fromLocal. */
  constructor(ref: DirRef) {
    this.uri = ref.uri.replace(/\/+$/, "");
    this.name = ref.name;
    this.hash = ref.hash;
  }

  /** The local path, for a directory on this machine; undefined for remote ones — use download(). */
  get path(): string | undefined {
    return localPathOf(this.uri);
  }

  /** A local directory tree. Inside a run every file is uploaded into the action's storage; outside, referenced in place. */
  static async fromLocal(localDir: string, options: { name?: string } = {}): Promise<Dir> {
    const absolute = path.resolve(localDir);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new DataNotFoundError(`local directory ${absolute} ${info ? "is not a directory" : "does not exist"}; check the path`);
    }
    const name = options.name ?? path.basename(absolute);
    const files = await localFiles(absolute);
    const ctx = currentDataContext();
    const hashes: Array<[string, string]> = [];
    if (!ctx) {
      for (const rel of files) hashes.push([rel, (await hashLocalFile(path.join(absolute, rel))).hash]);
      return new Dir({ uri: pathToFileURL(absolute).href, name, hash: treeHash(hashes) });
    }
    const uri = newObjectUri(ctx, name);
    for (const rel of files) {
      const local = path.join(absolute, rel);
      const [written] = await Promise.all([hashLocalFile(local), ctx.store.putFile(`${uri}/${rel}`, local)]);
      hashes.push([rel, written.hash]);
    }
    return new Dir({ uri, name, hash: treeHash(hashes) });
  }

  /** Every file of the tree (recursively), in path order; each File's name is its path relative to the directory. */
  async *walk(): AsyncGenerator<File> {
    const local = this.path;
    if (local !== undefined && !storeForUri(this.uri)) {
      if (!(await stat(local).catch(() => undefined))) throw new DataNotFoundError(`${this.uri} does not exist`);
      for (const rel of await localFiles(local)) yield new File({ uri: pathToFileURL(path.join(local, rel)).href, name: rel });
      return;
    }
    const store = storeForUri(this.uri);
    if (!store) throw new DataNotFoundError(`${this.uri} cannot be read here: no configured blob store owns it`);
    const base = `${this.uri}/`;
    for await (const info of store.list(base)) {
      yield new File({ uri: info.uri, name: decodeURIComponent(info.uri.slice(base.length)), size: info.size });
    }
  }

  /** All files of the tree, as an array (see walk()). */
  async list(): Promise<File[]> {
    const files: File[] = [];
    for await (const file of this.walk()) files.push(file);
    return files;
  }

  /** Copies the tree to `dest` (default: a scratch folder) and returns the local directory path. */
  async download(dest?: string): Promise<string> {
    const target = dest ?? scratchPath(this.name);
    for await (const file of this.walk()) await downloadUri(file.uri, path.join(target, ...file.name.split("/")));
    return target;
  }

  /** Writes one file into a directory created with Dir.new() and returns it. */
  async writeFile(relativePath: string, body: string | Uint8Array): Promise<File> {
    if (relativePath.split("/").some((part) => part === ".." || part === "")) {
      throw new InvalidInputError(`Dir.writeFile: "${relativePath}" must be a relative path without ".." or empty segments`);
    }
    const store = storeForUri(this.uri);
    if (!store) throw new InvalidInputError(`${this.uri} is not in a writable store; create the directory with Dir.new() inside a task`);
    const uri = `${this.uri}/${relativePath}`;
    const { size, hash } = await writeHashed(store, uri, body);
    return new File({ uri, name: relativePath, size, hash });
  }

  /** A new, empty directory in the current action's storage (fill it with writeFile). Only inside a task. */
  static new(name = "dir"): Dir {
    const ctx = currentDataContext();
    if (!ctx) throw new InvalidInputError(`Dir.new("${name}") creates a directory in the run's storage, so it only works inside a task; outside a run use Dir.fromLocal`);
    return new Dir({ uri: newObjectUri(ctx, name), name });
  }

  toJSON(): DirRef {
    return { uri: this.uri, name: this.name, hash: this.hash };
  }
}

async function localFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

function treeHash(files: ReadonlyArray<[string, string]>): string {
  const hasher = createHash("sha256");
  for (const [rel, hash] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hasher.update(`${rel}\u0000${hash}\n`);
  return hasher.digest("hex");
}

registerCodec<Dir>({
  tag: "dir",
  test: (value): value is Dir => value instanceof Dir,
  encode: (dir) => dir.toJSON(),
  decode: (data) => new Dir(data as DirRef),
  identity: (dir) => (dir.hash !== undefined ? { hash: dir.hash } : { uri: dir.uri }),
});
