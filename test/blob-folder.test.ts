// Runs the BlobStore conformance suite against the folder store, plus what only the folder store promises:
// file URLs as URIs, no half-written file ever under an object's name, copies (not links) of uploaded files.
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FolderBlobStore } from "../src/blob/index.js";
import { DataAccessError, InvalidOptionError } from "../src/errors/index.js";
import { listAll } from "./blob-conformance.js";
import { runBlobStoreConformance } from "./blob-conformance.js";

let base: string | undefined;
let count = 0;
runBlobStoreConformance(
  "folder store",
  async () => {
    base ??= await mkdtemp(join(tmpdir(), "flyte-blob-folder-"));
    count += 1;
    // A root that does not exist yet: the store creates folders when it first writes.
    return new FolderBlobStore(join(base, `store-${count}`, "data"));
  },
  async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  },
);

describe("folder store specifics", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flyte-blob-folder-x-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names objects by the file URLs of their paths", () => {
    const store = new FolderBlobStore(join(dir, "urls"));
    expect(store.root).toBe(pathToFileURL(join(dir, "urls")).href);
    expect(store.uriOf("a b/c%d.txt")).toBe(pathToFileURL(join(dir, "urls", "a b", "c%d.txt")).href);
    expect(store.pathOf(store.uriOf("a b/c%d.txt"))).toBe(join(dir, "urls", "a b", "c%d.txt"));
    // Plain keys take a shortcut that must spell the same URL, also under a folder whose own name is escaped.
    for (const folder of [join(dir, "urls"), join(dir, "a #b%c d"), "/"]) {
      const under = new FolderBlobStore(folder);
      for (const key of ["runs/r1abc/a0-1/inputs.json", "x", "a_b.c-d/E9", "é/x", "a b/c"]) {
        expect(under.uriOf(key)).toBe(pathToFileURL(join(folder, ...key.split("/"))).href);
      }
    }
    expect(() => store.uriOf("runs/../x")).toThrow(InvalidOptionError);
    expect(new FolderBlobStore("relative/data").dir).toBe(resolve("relative/data"));
    expect(() => new FolderBlobStore("")).toThrow(InvalidOptionError);
  });

  it("accepts the file:/ and file://localhost/ spellings of its URIs", async () => {
    const store = new FolderBlobStore(join(dir, "spellings"));
    await store.put(store.uriOf("x.txt"), "x");
    const path = join(dir, "spellings", "x.txt");
    for (const spelling of [`file:${path}`, `file://localhost${path}`]) {
      expect(store.owns(spelling)).toBe(true);
      expect(await store.stat(spelling)).toEqual({ uri: store.uriOf("x.txt"), size: 1 });
    }
  });

  it("never shows a half-written object, and leaves no temp file after a failure", async () => {
    const store = new FolderBlobStore(join(dir, "atomic"));
    const body = new PassThrough();
    const done = store.put(store.uriOf("slow/obj.bin"), body);
    body.write(Buffer.alloc(100_000, 1));
    // Wait until bytes have reached the disk, in a temp file that is not the object.
    const folder = join(dir, "atomic", "slow");
    for (let i = 0; i < 200 && (await readdir(folder).catch(() => [])).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await readdir(folder)).toHaveLength(1);
    expect(await store.stat(store.uriOf("slow/obj.bin"))).toBeUndefined();
    expect(await listAll(store, store.root)).toEqual([]);
    body.end(Buffer.alloc(50_000, 2));
    expect((await done).size).toBe(150_000);
    expect(await readdir(folder)).toEqual(["obj.bin"]);

    const failing = new PassThrough();
    const failed = store.put(store.uriOf("slow/broken.bin"), failing);
    failing.write(Buffer.alloc(10_000));
    failing.destroy(new Error("gave up"));
    await expect(failed).rejects.toThrow("gave up");
    expect(await readdir(folder)).toEqual(["obj.bin"]);
  });

  it("copies uploaded files: rewriting the source afterwards leaves the object as it was", async () => {
    const store = new FolderBlobStore(join(dir, "copies"));
    const source = join(dir, "source.txt");
    await writeFile(source, "original");
    await store.putFile(store.uriOf("copy.txt"), source);
    await writeFile(source, "rewritten in place");
    expect(Buffer.from(await store.get(store.uriOf("copy.txt"))).toString()).toBe("original");
    expect((await stat(join(dir, "copies", "copy.txt"))).nlink).toBe(1);
  });

  it("refuses an object whose name is taken by a folder, or whose folder is an object", async () => {
    const store = new FolderBlobStore(join(dir, "clash"));
    await store.put(store.uriOf("a/b"), "file");
    await expect(store.put(store.uriOf("a"), "x")).rejects.toThrow(DataAccessError);
    await expect(store.put(store.uriOf("a/b/c"), "x")).rejects.toThrow(/choose another key/);
    expect(await listAll(store, store.root)).toEqual([{ uri: store.uriOf("a/b"), size: 4 }]);
  });

  it("skips folder links when listing, so a link to an ancestor cannot loop", async () => {
    const store = new FolderBlobStore(join(dir, "links"));
    await store.put(store.uriOf("real/x.txt"), "x");
    const { symlink } = await import("node:fs/promises");
    await symlink(join(dir, "links"), join(dir, "links", "real", "loop"));
    await symlink(join(dir, "links", "real", "x.txt"), join(dir, "links", "alias.txt"));
    expect(await listAll(store, store.root)).toEqual([
      { uri: store.uriOf("alias.txt"), size: 1 },
      { uri: store.uriOf("real/x.txt"), size: 1 },
    ]);
  });

  it.skipIf(process.getuid?.() === 0)("reports a folder it may not write as DataAccessError", async () => {
    const locked = join(dir, "locked");
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      const store = new FolderBlobStore(locked);
      await expect(store.put(store.uriOf("x"), "x")).rejects.toThrow(DataAccessError);
      await expect(store.put(store.uriOf("x"), "x")).rejects.toThrow(/permission denied/);
    } finally {
      await chmod(locked, 0o700);
    }
  });
});
