// A code bundle's npm dependencies on this host. The exact versions its manifest lists are checked against what
// its imports resolve to today (next to the bundle, then from `resolveFrom`); when all match nothing happens.
// Otherwise all of them are installed once into `<cacheDir>/<key>`, key = hash of the sorted versions and the Node
// ABI: npm works in a temp folder that is renamed into place, so a folder under its final name is always complete;
// it is reused by every module with the same versions, across restarts. Concurrent loads share one install.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { npmInstall } from "./npm-install.js";

/** Written last into a finished install: names what the folder holds (and marks it complete). */
export const DEPS_MARKER = "flyte-deps.json";

/** What a module's dependencies are decided from: its hash, its bundle file, its manifest's externals. */
export interface DepsModule {
  readonly hash: string;
  readonly path: string;
  readonly externals?: Readonly<Record<string, string>> | undefined;
}

export interface ModuleDepsOptions {
  /** Where installs are kept, one folder per set of versions. */
  readonly cacheDir: string;
  /** Bare imports fall back to this folder's node_modules (and those above it) when not found next to a bundle. */
  readonly resolveFrom: string;
  readonly log: (line: string) => void;
  /** Installs packages into a folder (default: npm); rejects with a DependencyInstallError. */
  readonly install?: ((dir: string, packages: Readonly<Record<string, string>>, describe: string) => Promise<void>) | undefined;
}

export class ModuleDeps {
  private readonly installs = new Map<string, Promise<string>>();

  constructor(private readonly options: ModuleDepsOptions) {}

  /**
   * The folder whose node_modules holds exactly the module's npm packages, installing them when needed; undefined
   * when what its imports resolve to already has the right versions.
   * @throws DependencyInstallError naming the packages when npm fails.
   */
  prepare(module: DepsModule): Promise<string | undefined> {
    const wanted = wantedPackages(module.externals ?? {});
    const mismatched = mismatchedPackages(wanted, [path.dirname(module.path), this.options.resolveFrom]);
    if (mismatched.length === 0) return Promise.resolve(undefined);
    const key = depsKey(wanted);
    let install = this.installs.get(key);
    if (!install) {
      install = this.install(key, wanted, module.hash, mismatched);
      this.installs.set(key, install);
      // A failed install is tried again by the next load (the registry may be back), never in a loop.
      install.catch(() => this.installs.delete(key));
    }
    return install;
  }

  private async install(key: string, wanted: Record<string, string>, hash: string, mismatched: readonly string[]): Promise<string> {
    const { cacheDir, log } = this.options;
    const final = path.join(cacheDir, key);
    if (existsSync(path.join(final, DEPS_MARKER))) return final;
    await mkdir(cacheDir, { recursive: true });
    const temp = path.join(cacheDir, `.${key}.${randomBytes(6).toString("hex")}.tmp`);
    const specs = Object.entries(wanted).map(([name, version]) => `${name}@${version}`);
    const what = `code ${hash.slice(0, 12)}`;
    log(
      `installing ${specs.length} npm package${specs.length === 1 ? "" : "s"} for ${what}: ${specs.join(", ")} ` +
        `(not installed at these versions here: ${mismatched.join(", ")})`,
    );
    const started = Date.now();
    try {
      await mkdir(temp);
      await (this.options.install ?? npmInstall)(temp, wanted, what);
      const durationMs = Date.now() - started;
      await writeFile(path.join(temp, DEPS_MARKER), `${JSON.stringify({ packages: wanted, installedAt: Date.now(), durationMs }, null, 2)}\n`);
      try {
        await rename(temp, final);
      } catch (error) {
        // Another process installed the same versions first: its folder is complete, use it.
        if (!(isAlreadyThere(error) && existsSync(path.join(final, DEPS_MARKER)))) throw error;
      }
      log(`installed the npm packages of ${what} in ${(durationMs / 1000).toFixed(1)} s into ${final}`);
      return final;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
}

/** The externals to install: every one but `flyte`, which is always the worker's own copy. */
export function wantedPackages(externals: Readonly<Record<string, string>>): Record<string, string> {
  const wanted: Record<string, string> = {};
  for (const name of Object.keys(externals).sort()) {
    if (name === "flyte") continue;
    wanted[name] = externals[name] as string;
  }
  return wanted;
}

/**
 * The packages (as name@version) whose import would not resolve to the wanted version: the first of `dirs` (or a
 * folder above it) with node_modules/<name> decides, as Node's resolution and the worker's fallback do.
 */
export function mismatchedPackages(wanted: Readonly<Record<string, string>>, dirs: readonly string[]): string[] {
  const mismatched: string[] = [];
  for (const [name, version] of Object.entries(wanted)) {
    let found: string | undefined;
    for (const dir of dirs) {
      found = installedVersion(name, path.resolve(dir));
      if (found !== undefined) break;
    }
    if (found !== version) mismatched.push(`${name}@${version}${found === undefined ? "" : ` (found ${found})`}`);
  }
  return mismatched;
}

/** Names an install: the versions, and the platform and Node ABI (native addons are built for one). */
export function depsKey(wanted: Readonly<Record<string, string>>): string {
  const basis = JSON.stringify({ packages: Object.entries(wanted).sort(([a], [b]) => a.localeCompare(b)), abi: process.versions.modules, platform: process.platform, arch: process.arch });
  return createHash("sha256").update(basis).digest("hex").slice(0, 24);
}

/** The version in the nearest node_modules/<name>/package.json at or above `fromDir`. */
function installedVersion(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "node_modules", name, "package.json");
    if (existsSync(file)) {
      try {
        const version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
        if (typeof version === "string") return version;
      } catch {
        // An unreadable package.json is as good as none.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isAlreadyThere(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "EEXIST" || code === "ENOTEMPTY" || code === "EPERM";
}
