import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findConfigFile, loadConfig, writeConfig } from "./config-file.js";

let root = "";
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "flyte-config-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("config file", () => {
  it("defaults without a file: local state in <cwd>/.flyte", () => {
    expect(loadConfig(root, {})).toEqual({
      path: undefined,
      endpoint: undefined,
      project: "default",
      domain: "development",
      localDir: path.join(root, ".flyte"),
      store: undefined,
      s3: {},
      inlineLimit: undefined,
    });
  });

  it("reads the blob store, S3 settings and inline limit; FLYTE_STORE overrides the store", () => {
    const file = path.join(root, "s3.yaml");
    writeFileSync(file, "store: s3://bucket/prefix\ns3:\n  endpoint: http://127.0.0.1:9000\n  region: eu-west-1\nlocal:\n  inlineLimit: 2048\n");
    expect(loadConfig(root, { FLYTE_CONFIG: file })).toMatchObject({
      store: "s3://bucket/prefix",
      s3: { endpoint: "http://127.0.0.1:9000", region: "eu-west-1" },
      inlineLimit: 2048,
    });
    expect(loadConfig(root, { FLYTE_CONFIG: file, FLYTE_STORE: "data-folder" }).store).toBe(path.join(root, "data-folder"));
    writeFileSync(file, "store: ./blobs\nlocal:\n  inlineLimit: -1\n");
    expect(() => loadConfig(root, { FLYTE_CONFIG: file })).toThrow(/local\.inlineLimit.*positive integer/);
  });

  it("is found by walking up from the working directory; local state sits beside it", () => {
    const file = writeConfig(path.join(root, ".flyte/config.yaml"), { project: "ml", domain: "prod" });
    const nested = path.join(root, "a/b/c");
    mkdirSync(nested, { recursive: true });
    expect(findConfigFile(nested, {})).toBe(file);
    expect(loadConfig(nested, {})).toMatchObject({ path: file, project: "ml", domain: "prod", localDir: path.join(root, ".flyte") });
  });

  it("FLYTE_CONFIG overrides the search; local.dir is relative to the file; FLYTE_LOCAL_DIR wins", () => {
    const file = path.join(root, "custom.yaml");
    writeFileSync(file, "endpoint: http://localhost:8090\nlocal:\n  dir: state\n");
    expect(loadConfig(root, { FLYTE_CONFIG: "custom.yaml" })).toMatchObject({ endpoint: "http://localhost:8090", localDir: path.join(root, "state") });
    expect(loadConfig(root, { FLYTE_CONFIG: "custom.yaml", FLYTE_LOCAL_DIR: "/tmp/x" }).localDir).toBe("/tmp/x");
    expect(() => loadConfig(root, { FLYTE_CONFIG: "missing.yaml" })).toThrow(/missing\.yaml, which does not exist/);
  });

  it("rejects unknown keys, wrong types and invalid YAML, naming the file and the key", () => {
    const file = path.join(root, "c.yaml");
    writeFileSync(file, "projet: x\n");
    expect(() => loadConfig(root, { FLYTE_CONFIG: file })).toThrow(/c\.yaml.*unknown option "projet".*did you mean "project"/is);
    writeFileSync(file, "project: 3\n");
    expect(() => loadConfig(root, { FLYTE_CONFIG: file })).toThrow(/key "project".*got 3/);
    writeFileSync(file, "project: [\n");
    expect(() => loadConfig(root, { FLYTE_CONFIG: file })).toThrow(/not valid YAML/);
  });
});
