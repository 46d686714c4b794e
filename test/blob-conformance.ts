// The BlobStore conformance suite: every implementation (folder, S3) calls runBlobStoreConformance() from its own
// test file with a factory for a fresh, empty store. Only the BlobStore interface is used, so one contract holds
// for all: atomic puts, streaming, ranges, folder-style prefixes in UTF-8 key order, and errors that name the URI.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BlobInfo, BlobStore } from "../src/blob/index.js";
import { DataAccessError, DataNotFoundError, InvalidOptionError } from "../src/errors/index.js";
import { blobListingConformance } from "./blob-conformance-list.js";

const MiB = 1024 * 1024;

export async function sha256(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

export async function listAll(store: BlobStore, prefixUri: string): Promise<BlobInfo[]> {
  const out: BlobInfo[] = [];
  for await (const info of store.list(prefixUri)) out.push(info);
  return out;
}

/** A stream of `count` chunks of `size` bytes each, produced lazily. */
function chunks(count: number, size: number, fill = (i: number) => i % 251): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < count; i++) yield Buffer.alloc(size, fill(i));
    })(),
  );
}

export function runBlobStoreConformance(
  label: string,
  open: () => Promise<BlobStore>,
  cleanup?: () => Promise<void>,
): void {
  describe(label, () => {
    let store: BlobStore;
    let local = "";
    const uri = (key: string): string => store.uriOf(key);

    beforeAll(async () => {
      local = await mkdtemp(join(tmpdir(), "flyte-blob-local-"));
    });
    afterAll(async () => {
      await rm(local, { recursive: true, force: true });
      await cleanup?.();
    });
    beforeEach(async () => {
      store = await open();
    });

    it("puts and gets bytes and strings, reporting URI and size", async () => {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(await store.put(uri("bin/all-bytes"), bytes)).toEqual({ uri: uri("bin/all-bytes"), size: 256 });
      const back = await store.get(uri("bin/all-bytes"));
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);

      const text = "héllo wörld ✓";
      expect(await store.put(uri("text.txt"), text)).toEqual({ uri: uri("text.txt"), size: Buffer.byteLength(text) });
      expect(Buffer.from(await store.get(uri("text.txt"))).toString()).toBe(text);
    });

    it("stores an empty object", async () => {
      expect((await store.put(uri("empty"), "")).size).toBe(0);
      expect(await store.stat(uri("empty"))).toEqual({ uri: uri("empty"), size: 0 });
      expect((await store.get(uri("empty"))).byteLength).toBe(0);
      expect(await collect(await store.openRead(uri("empty")))).toBe("");
      expect(await collect(await store.openRead(uri("empty"), { start: 0 }))).toBe("");
    });

    it("puts a stream of unknown length", async () => {
      const info = await store.put(uri("streamed/data.bin"), chunks(48, 256 * 1024));
      expect(info).toEqual({ uri: uri("streamed/data.bin"), size: 12 * MiB });
      expect(await sha256(await store.openRead(uri("streamed/data.bin")))).toBe(await sha256(chunks(48, 256 * 1024)));
    });

    it("fails a put whose stream fails with the stream's error, leaving no object", async () => {
      const failing = Readable.from(
        (async function* () {
          yield Buffer.alloc(64 * 1024, 1);
          throw new Error("the source broke");
        })(),
      );
      await expect(store.put(uri("broken/x.bin"), failing)).rejects.toThrow("the source broke");
      expect(await store.stat(uri("broken/x.bin"))).toBeUndefined();
      expect(await listAll(store, store.root)).toEqual([]);
    });

    it("streams a 20 MB file up with putFile and down with download", async () => {
      const source = join(local, `big-${randomBytes(4).toString("hex")}.bin`);
      await writeFile(source, randomBytes(20 * MiB));
      const expected = await sha256(createReadStream(source));

      expect(await store.putFile(uri("big/file.bin"), source)).toEqual({ uri: uri("big/file.bin"), size: 20 * MiB });
      expect((await store.stat(uri("big/file.bin")))?.size).toBe(20 * MiB);
      expect(await sha256(await store.openRead(uri("big/file.bin")))).toBe(expected);

      // The destination's folders are created as needed.
      const target = join(local, randomBytes(4).toString("hex"), "nested", "copy.bin");
      await store.download(uri("big/file.bin"), target);
      expect((await stat(target)).size).toBe(20 * MiB);
      expect(await sha256(createReadStream(target))).toBe(expected);
    });

    it("reads byte ranges, inclusive, clamped at the end", async () => {
      await store.put(uri("digits"), "0123456789");
      const read = async (range: { start: number; end?: number }): Promise<string> =>
        collect(await store.openRead(uri("digits"), range));
      expect(await read({ start: 2, end: 5 })).toBe("2345");
      expect(await read({ start: 7 })).toBe("789");
      expect(await read({ start: 0 })).toBe("0123456789");
      expect(await read({ start: 9, end: 9 })).toBe("9");
      expect(await read({ start: 8, end: 100 })).toBe("89");
      expect(await read({ start: 10 })).toBe("");
      expect(await read({ start: 50, end: 60 })).toBe("");
      expect(await collect(await store.openRead(uri("digits")))).toBe("0123456789");
    });

    it("rejects a malformed range, naming it", async () => {
      await store.put(uri("digits"), "0123456789");
      for (const range of [{ start: -1 }, { start: 5, end: 2 }, { start: 1.5 }]) {
        await expect(store.openRead(uri("digits"), range)).rejects.toThrow(InvalidOptionError);
      }
      await expect(store.openRead(uri("digits"), { start: 5, end: 2 })).rejects.toThrow(/invalid range/);
    });

    it("stats an object; a missing one or a folder is undefined", async () => {
      await store.put(uri("s/a/b.txt"), "abc");
      expect(await store.stat(uri("s/a/b.txt"))).toEqual({ uri: uri("s/a/b.txt"), size: 3 });
      expect(await store.stat(uri("s/missing.txt"))).toBeUndefined();
      expect(await store.stat(uri("s/a"))).toBeUndefined();
      expect(await store.stat(uri("s/a/b.txt/deeper"))).toBeUndefined();
    });

    it("overwrites an object", async () => {
      await store.put(uri("o.txt"), "first version");
      expect((await store.put(uri("o.txt"), "second")).size).toBe(6);
      expect(Buffer.from(await store.get(uri("o.txt"))).toString()).toBe("second");
      const file = join(local, "third.txt");
      await writeFile(file, "third!!");
      await store.putFile(uri("o.txt"), file);
      expect(await store.stat(uri("o.txt"))).toEqual({ uri: uri("o.txt"), size: 7 });
      expect(await listAll(store, store.root)).toEqual([{ uri: uri("o.txt"), size: 7 }]);
    });

    it("deletes an object; deleting a missing one is fine", async () => {
      await store.put(uri("d/x"), "x");
      await store.put(uri("d/y"), "y");
      await store.delete(uri("d/x"));
      expect(await store.stat(uri("d/x"))).toBeUndefined();
      await expect(store.get(uri("d/x"))).rejects.toThrow(DataNotFoundError);
      expect((await listAll(store, uri("d"))).map((i) => i.uri)).toEqual([uri("d/y")]);
      await store.delete(uri("d/x"));
      await store.delete(uri("never/was"));
    });

    it("fails get, openRead and download of a missing object with DataNotFoundError naming the URI", async () => {
      const missing = uri("no/such/object.bin");
      const target = join(local, "never-written.bin");
      for (const attempt of [
        () => store.get(missing),
        () => store.openRead(missing),
        () => store.openRead(missing, { start: 1 }),
        () => store.download(missing, target),
      ]) {
        const error: unknown = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DataNotFoundError);
        expect((error as Error).message).toContain(missing);
      }
      await expect(stat(target)).rejects.toThrow(/ENOENT/);
    });

    it("fails putFile of a missing local file, naming it", async () => {
      const source = join(local, "does-not-exist.txt");
      await expect(store.putFile(uri("x"), source)).rejects.toThrow(DataNotFoundError);
      await expect(store.putFile(uri("x"), source)).rejects.toThrow(source);
      expect(await store.stat(uri("x"))).toBeUndefined();
    });

    it("owns only URIs under its root and rejects the others by name", async () => {
      expect(store.owns(store.root)).toBe(true);
      expect(store.owns(uri("a/b"))).toBe(true);
      const foreign = [
        `${store.root}-sibling/x`,
        store.root.startsWith("s3:") ? "file:///tmp/x" : "s3://other-bucket/x",
        "https://example.com/x",
      ];
      for (const other of foreign) {
        expect(store.owns(other)).toBe(false);
        await expect(store.put(other, "x")).rejects.toThrow(InvalidOptionError);
        await expect(store.get(other)).rejects.toThrow(other);
        await expect(store.stat(other)).rejects.toThrow(/not under this store's root/);
        await expect(listAll(store, other)).rejects.toThrow(InvalidOptionError);
      }
      await expect(store.get(store.root)).rejects.toThrow(/names the store's root/);
    });

    it("rejects keys that could escape the root or are not plain paths", async () => {
      for (const key of ["", "/abs", "a/../b", "..", "a/./b", "a//b", "a/", "../outside"]) {
        expect(() => store.uriOf(key), key).toThrow(InvalidOptionError);
      }
      for (const suffix of ["/a/../b", "/../outside", "/a//b", "/./a"]) {
        await expect(store.put(`${store.root}${suffix}`, "x"), suffix).rejects.toThrow(InvalidOptionError);
      }
      expect(await listAll(store, store.root)).toEqual([]);
    });

    it("round-trips keys with spaces, unicode and URL-special characters", async () => {
      const key = "odd names/sp ace ü %41 #1 ?q=1&b+c.txt";
      const u = uri(key);
      await store.put(u, "odd");
      expect(Buffer.from(await store.get(u)).toString()).toBe("odd");
      expect(await listAll(store, uri("odd names"))).toEqual([{ uri: u, size: 3 }]);
    });

    it("runs concurrent puts of different keys", async () => {
      const keys = Array.from({ length: 24 }, (_, i) => `many/${String(i).padStart(2, "0")}.bin`);
      await Promise.all(
        keys.map((key, i) => store.put(uri(key), i % 2 === 0 ? Buffer.alloc(1000 + i, i) : chunks(4, 1000 + i, () => i))),
      );
      const listed = await listAll(store, uri("many"));
      expect(listed.map((info) => info.uri)).toEqual(keys.map(uri));
      expect(listed.map((info) => info.size)).toEqual(keys.map((_, i) => (i % 2 === 0 ? 1000 + i : 4 * (1000 + i))));
    });

    it("keeps one whole version when two puts of the same key race", async () => {
      const a = Buffer.alloc(3 * MiB, 0x61);
      const b = Buffer.alloc(2 * MiB, 0x62);
      await Promise.all([store.put(uri("race"), chunks(3, MiB, () => 0x61)), store.put(uri("race"), b)]);
      const final = Buffer.from(await store.get(uri("race")));
      expect(final.equals(a) || final.equals(b)).toBe(true);
    });

    it("fails a download to an unwritable place with DataAccessError naming the local path", async () => {
      await store.put(uri("dl.txt"), "fresh");
      const blocker = join(local, "a-file");
      await writeFile(blocker, "not a folder");
      const target = join(blocker, "below", "x.txt");
      await expect(store.download(uri("dl.txt"), target)).rejects.toThrow(DataAccessError);
      await expect(store.download(uri("dl.txt"), target)).rejects.toThrow(target);
    });

    it("downloads over an existing local file", async () => {
      await store.put(uri("dl.txt"), "fresh");
      const target = join(local, "existing.txt");
      await writeFile(target, "stale content that is longer");
      await store.download(uri("dl.txt"), target);
      expect(await readFile(target, "utf8")).toBe("fresh");
    });

    blobListingConformance(() => store);
  });
}
