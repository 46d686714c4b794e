// A fresh local-engine folder per test file, removed afterwards with every engine of the process closed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import * as flyte from "../../src/index.js";

/** Points flyte at a temp folder for the whole test file; returns the folder's path. */
export function useLocalDir(): { readonly dir: string } {
  const state = { dir: "" };
  beforeAll(async () => {
    state.dir = mkdtempSync(path.join(tmpdir(), "flyte-test-"));
    await flyte.init({ localDir: state.dir });
  });
  afterAll(async () => {
    await flyte.shutdown();
    rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}

export function tempDir(prefix = "flyte-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}
