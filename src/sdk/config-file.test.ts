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
    });
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
