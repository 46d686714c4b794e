import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DependencyInstallError, errorCode } from "../errors/index.js";
import { DEPS_MARKER, ModuleDeps, depsKey, mismatchedPackages, wantedPackages } from "./module-deps.js";

let root: string;
let project: string;
let bundleDir: string;
let cacheDir: string;
const HASH = "ab".repeat(32);

/** A stub of an installed package: all the decision reads is its package.json. */
function stubPackage(dir: string, name: string, version: string): void {
  mkdirSync(path.join(dir, "node_modules", name), { recursive: true });
  writeFileSync(path.join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, version }));
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "flyte-deps-"));
  project = path.join(root, "project");
  bundleDir = path.join(root, "code", HASH);
  cacheDir = path.join(root, "deps");
  mkdirSync(project, { recursive: true });
  mkdirSync(bundleDir, { recursive: true });
  stubPackage(project, "tiny-pkg", "1.2.3");
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function counting(): { calls: string[]; install: (dir: string, packages: Readonly<Record<string, string>>) => Promise<void> } {
  const calls: string[] = [];
  return {
    calls,
    install: async (dir, packages) => {
      calls.push(Object.entries(packages).map(([n, v]) => `${n}@${v}`).join(","));
      for (const [name, version] of Object.entries(packages)) stubPackage(dir, name, version);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe("ModuleDeps", () => {
  it("installs nothing when the versions the module was built against already resolve", async () => {
    const fake = counting();
    const logs: string[] = [];
    const deps = new ModuleDeps({ cacheDir, resolveFrom: project, log: (line) => logs.push(line), install: fake.install });
    const module = { hash: HASH, path: path.join(bundleDir, "bundle.mjs"), externals: { flyte: "0.0.1", "tiny-pkg": "1.2.3" } };
    expect(await deps.prepare(module)).toBeUndefined();
    expect(await deps.prepare({ ...module, externals: {} })).toBeUndefined();
    expect(fake.calls).toEqual([]);
    expect(logs).toEqual([]);
  });

  it("decides by what resolves first: a package next to the bundle hides the project's", () => {
    stubPackage(path.join(root, "code"), "tiny-pkg", "0.9.0");
    expect(mismatchedPackages({ "tiny-pkg": "1.2.3" }, [bundleDir, project])).toEqual(["tiny-pkg@1.2.3 (found 0.9.0)"]);
    expect(mismatchedPackages({ "tiny-pkg": "0.9.0", other: "1.0.0" }, [bundleDir, project])).toEqual(["other@1.0.0"]);
    expect(wantedPackages({ zed: "1.0.0", flyte: "0.1.0", alpha: "2.0.0" })).toEqual({ alpha: "2.0.0", zed: "1.0.0" });
  });

  it("installs other versions once into a folder keyed by them, shared by concurrent loads and reused after a restart", async () => {
    const fake = counting();
    const logs: string[] = [];
    const deps = new ModuleDeps({ cacheDir, resolveFrom: project, log: (line) => logs.push(line), install: fake.install });
    const module = { hash: HASH, path: path.join(bundleDir, "bundle.mjs"), externals: { flyte: "0.1.0", "tiny-pkg": "2.0.0", extra: "1.0.0" } };
    const [a, b] = await Promise.all([deps.prepare(module), deps.prepare({ ...module, hash: "cd".repeat(32) })]);
    expect(a).toBe(path.join(cacheDir, depsKey({ extra: "1.0.0", "tiny-pkg": "2.0.0" })));
    expect(b).toBe(a);
    expect(fake.calls).toEqual(["extra@1.0.0,tiny-pkg@2.0.0"]);
    expect(logs[0]).toBe(
      `installing 2 npm packages for code ${HASH.slice(0, 12)}: extra@1.0.0, tiny-pkg@2.0.0 (not installed at these versions here: extra@1.0.0, tiny-pkg@2.0.0 (found 1.2.3))`,
    );
    expect(JSON.parse(readFileSync(path.join(a!, DEPS_MARKER), "utf8")).packages).toEqual({ extra: "1.0.0", "tiny-pkg": "2.0.0" });
    // Nothing half-made is left beside it.
    expect(readdirSync(cacheDir)).toEqual([path.basename(a!)]);

    const restarted = counting();
    const again = new ModuleDeps({ cacheDir, resolveFrom: project, log: () => {}, install: restarted.install });
    expect(await again.prepare(module)).toBe(a);
    expect(restarted.calls).toEqual([]);
  });

  it("leaves no folder behind when an install fails, and tries again on the next load", async () => {
    let calls = 0;
    const deps = new ModuleDeps({
      cacheDir,
      resolveFrom: project,
      log: () => {},
      install: async (dir) => {
        calls++;
        writeFileSync(path.join(dir, "half-done"), "x");
        await Promise.resolve();
        throw new DependencyInstallError("npm failed");
      },
    });
    const module = { hash: HASH, path: path.join(bundleDir, "bundle.mjs"), externals: { "tiny-pkg": "2.0.0" } };
    await expect(deps.prepare(module)).rejects.toThrow("npm failed");
    expect(readdirSync(cacheDir)).toEqual([]);
    await expect(deps.prepare(module)).rejects.toThrow("npm failed");
    expect(calls).toBe(2);
  });

  it("fails with DEPENDENCY_INSTALL naming the package when npm cannot install a version", async () => {
    const deps = new ModuleDeps({ cacheDir, resolveFrom: project, log: () => {} });
    const module = { hash: HASH, path: path.join(bundleDir, "bundle.mjs"), externals: { "is-number": "99.99.99" } };
    const error = await deps.prepare(module).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toBeInstanceOf(DependencyInstallError);
    expect(errorCode(error)).toBe("DEPENDENCY_INSTALL");
    expect(error?.message).toContain(`cannot install the npm packages of code ${HASH.slice(0, 12)}: is-number@99.99.99`);
    expect(error?.message).toMatch(/ETARGET|No matching version/);
    expect(readdirSync(cacheDir)).toEqual([]);
  }, 60_000);
});
