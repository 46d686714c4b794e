// URI parsing, key rules and openBlobStore: every spelling of a store spec the CLI and config accept, and the
// errors for the ones they reject. The S3 case is checked against a real (in-process) s3rver.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  FolderBlobStore,
  LazyS3BlobStore,
  keySegments,
  openBlobStore,
  parseBlobUri,
} from "../src/blob/index.js";
import { InvalidOptionError } from "../src/errors/index.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

describe("parseBlobUri", () => {
  it("parses file URIs in each spelling", () => {
    for (const uri of ["file:///data/x%20y.txt", "file:/data/x%20y.txt", "file://localhost/data/x%20y.txt"]) {
      expect(parseBlobUri(uri)).toEqual({ scheme: "file", path: "/data/x y.txt" });
    }
  });

  it("parses s3 URIs, keeping the key's slashes", () => {
    expect(parseBlobUri("s3://my-bucket/runs/r1/out.json")).toEqual({
      scheme: "s3",
      bucket: "my-bucket",
      key: "runs/r1/out.json",
    });
    expect(parseBlobUri("s3://my-bucket")).toEqual({ scheme: "s3", bucket: "my-bucket", key: "" });
  });

  it("rejects what is not a blob URI, naming it", () => {
    for (const uri of ["s3://Bad_Bucket/x", "s3:///x", "gs://b/x", "file://otherhost/x", "relative/path", ""]) {
      expect(() => parseBlobUri(uri), uri).toThrow(InvalidOptionError);
    }
    expect(() => parseBlobUri("gs://b/x")).toThrow(/"gs:\/\/b\/x" is not a blob URI/);
  });
});

describe("keySegments", () => {
  it("splits a relative key and rejects keys that are not plain paths", () => {
    expect(keySegments("a/b c/d.txt")).toEqual(["a", "b c", "d.txt"]);
    expect(keySegments("a..b/..c")).toEqual(["a..b", "..c"]);
    for (const key of ["", "/a", "a/", "a//b", "./a", "a/..", "a\0b"]) {
      expect(() => keySegments(key), JSON.stringify(key)).toThrow(/blob key .* is invalid/);
    }
  });
});

describe("openBlobStore", () => {
  const servers: S3Server[] = [];
  const stores: LazyS3BlobStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.destroy();
    for (const server of servers) await server.close();
  });

  it("opens a folder store from a path or a file URI", () => {
    for (const spec of ["/srv/flyte/data", "file:/srv/flyte/data", "file:///srv/flyte/data", "file:///srv/flyte/data/"]) {
      const store = openBlobStore(spec);
      expect(store, spec).toBeInstanceOf(FolderBlobStore);
      expect((store as FolderBlobStore).dir, spec).toBe("/srv/flyte/data");
    }
    expect((openBlobStore(".flyte/data") as FolderBlobStore).dir).toBe(resolve(".flyte/data"));
  });

  it("opens an S3 store with settings from the environment, options first", async () => {
    const env = {
      FLYTE_S3_ENDPOINT: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "from-env",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_REGION: "eu-west-3",
    };
    const store = openBlobStore("s3://my-bucket/flyte/data/", { env }) as LazyS3BlobStore;
    stores.push(store);
    expect(store).toBeInstanceOf(LazyS3BlobStore);
    expect(store.root).toBe("s3://my-bucket/flyte/data");
    const { client } = await store.resolve();
    expect(await client.config.region()).toBe("eu-west-3");
    expect((await client.config.credentials()).accessKeyId).toBe("from-env");

    const overridden = openBlobStore("s3://my-bucket", {
      env,
      region: "us-west-2",
      credentials: { accessKeyId: "from-options", secretAccessKey: "x" },
    }) as LazyS3BlobStore;
    stores.push(overridden);
    expect(overridden.root).toBe("s3://my-bucket");
    const resolved = await overridden.resolve();
    expect(await resolved.client.config.region()).toBe("us-west-2");
    expect((await resolved.client.config.credentials()).accessKeyId).toBe("from-options");
  });

  it("reaches the endpoint named by FLYTE_S3_ENDPOINT", async () => {
    const server = await startS3Server("env-bucket");
    servers.push(server);
    const env = {
      FLYTE_S3_ENDPOINT: server.endpoint,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    };
    const store = openBlobStore("s3://env-bucket/p", { env }) as LazyS3BlobStore;
    stores.push(store);
    await store.put(store.uriOf("hello.txt"), "hi");
    expect(Buffer.from(await store.get("s3://env-bucket/p/hello.txt")).toString()).toBe("hi");
  });

  it("round-trips through a folder store opened from a spec", async () => {
    const dir = await mkdtemp(join(tmpdir(), "flyte-open-"));
    try {
      const store = openBlobStore(`file:${dir}`);
      await store.put(store.uriOf("a/b.txt"), "b");
      expect(store.uriOf("a/b.txt")).toBe(`file://${dir}/a/b.txt`);
      expect(Buffer.from(await store.get(`file://${dir}/a/b.txt`)).toString()).toBe("b");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects empty specs, unknown schemes and bad buckets, naming what is allowed", () => {
    expect(() => openBlobStore("")).toThrow(/expected s3:\/\/bucket\/prefix, file:\/\/\/abs\/dir or a folder path/);
    expect(() => openBlobStore("gs://bucket/x")).toThrow(/unsupported scheme "gs:"/);
    expect(() => openBlobStore("s3://No_Such!")).toThrow(InvalidOptionError);
    expect(() => openBlobStore("s3://bucket", { endpoint: "not a url" })).toThrow(/invalid endpoint/);
  });
});
