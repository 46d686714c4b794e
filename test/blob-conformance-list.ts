// The listing part of the BlobStore conformance suite: a prefix URI is a folder ("a/b" lists "a/b/..." but never
// "a/bc" or "a/b0"), with or without a trailing "/", and objects come in UTF-8 key order, as S3 lists them.
import { expect, it } from "vitest";
import type { BlobInfo, BlobStore } from "../src/blob/index.js";

async function listUris(store: BlobStore, prefixUri: string): Promise<string[]> {
  const out: BlobInfo[] = [];
  for await (const info of store.list(prefixUri)) out.push(info);
  return out.map((info) => info.uri);
}

// In UTF-8 byte order: "-" (2d) < "." (2e) < "/" (2f) < "0" (30), and U+FF01 (EF BC 81) < U+1F600 (F0 9F 98 80)
// although UTF-16 order puts the emoji (D83D) first.
const KEYS = [
  "list/a-c.txt",
  "list/a.txt",
  "list/a/b/1.txt",
  "list/a/b/2/x.txt",
  "list/a/b0.txt",
  "list/a/bc/3.txt",
  "list/z/\uff01.txt",
  "list/z/\u{1f600}.txt",
];

export function blobListingConformance(current: () => BlobStore): void {
  const fill = async (store: BlobStore): Promise<void> => {
    // Written in reverse so an implementation cannot pass by returning insertion order.
    for (const key of [...KEYS].reverse()) await store.put(store.uriOf(key), key);
  };

  it("lists everything under the root in UTF-8 key order, with sizes", async () => {
    const store = current();
    await fill(store);
    const listed: BlobInfo[] = [];
    for await (const info of store.list(store.root)) listed.push(info);
    expect(listed).toEqual(KEYS.map((key) => ({ uri: store.uriOf(key), size: Buffer.byteLength(key) })));
    expect(await listUris(store, `${store.root}/`)).toEqual(KEYS.map((key) => store.uriOf(key)));
  });

  it("treats a prefix as a folder: a/b lists a/b/... but not a/bc or a/b0", async () => {
    const store = current();
    await fill(store);
    const expected = [store.uriOf("list/a/b/1.txt"), store.uriOf("list/a/b/2/x.txt")];
    expect(await listUris(store, store.uriOf("list/a/b"))).toEqual(expected);
    expect(await listUris(store, `${store.uriOf("list/a/b")}/`)).toEqual(expected);
    expect(await listUris(store, store.uriOf("list/a"))).toEqual(
      ["list/a/b/1.txt", "list/a/b/2/x.txt", "list/a/b0.txt", "list/a/bc/3.txt"].map((key) => store.uriOf(key)),
    );
  });

  it("lists nothing under a missing prefix or under an object's own URI", async () => {
    const store = current();
    await fill(store);
    expect(await listUris(store, store.uriOf("nothing/here"))).toEqual([]);
    expect(await listUris(store, store.uriOf("list/a.txt"))).toEqual([]);
    expect(await listUris(store, store.uriOf("list/a/b/1"))).toEqual([]);
  });

  it("lists an empty store as nothing", async () => {
    const store = current();
    expect(await listUris(store, store.root)).toEqual([]);
  });
}
