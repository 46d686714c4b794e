// Bundles the TypeScript file that defines a task into one ESM file a worker can import: every relative import
// is inlined, every npm package (and "flyte" itself) stays an import, and a source map with the sources inside
// lets stack traces name the user's .ts lines. The output depends only on the files' content and their paths
// relative to `cwd`, so two machines bundle the same checkout to the same bytes, and the hash names the bundle.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import type { BuildFailure, Message, Metafile } from "esbuild";
import { CodeBundleError } from "../errors/index.js";

/** A bundled task file, as uploaded to a server and run by its workers. */
export interface CodeBundle {
  /** sha256 hex of `code`: the bundle's name on the server. */
  readonly hash: string;
  /** The bundle: one ESM module with an inline source map. */
  readonly code: string;
  /** npm packages the bundle imports, with the versions installed where it was made ("flyte" included). */
  readonly externals: Readonly<Record<string, string>>;
  /** The bundled file's path relative to `cwd`, with forward slashes. */
  readonly entry: string;
}

export interface BundleOptions {
  /** Paths in the bundle and its source map are relative to this folder (default: the working directory). */
  readonly cwd?: string;
}

/** Module specifiers that name this package; kept as imports even where a tsconfig `paths` entry maps them to files. */
const FLYTE_SPECIFIERS = ["flyte", "flyte/*"];
const OUTPUT_NAME = "bundle.mjs";
/** Set once esbuild's module (and with it, on the first build, its helper process) is loaded. */
let bundlerLoaded = false;

/**
 * Bundles `file` for a remote run. Rejects with a CodeBundleError naming the file and line of a syntax error or an
 * unresolvable import, or the package that is imported but not installed.
 * @example const bundle = await bundleEntry("examples/hello.ts"); await client.uploadCode(bundle);
 */
export async function bundleEntry(file: string, options: BundleOptions = {}): Promise<CodeBundle> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const absolute = path.resolve(cwd, file);
  const entry = path.relative(cwd, absolute).split(path.sep).join("/");
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new CodeBundleError(`cannot bundle ${entry}: the file does not exist (looked for ${absolute})`);
  }
  const { build } = await import("esbuild");
  bundlerLoaded = true;
  let result: { outputFiles: Array<{ text: string }>; metafile: Metafile };
  try {
    result = await build({
      entryPoints: [absolute],
      absWorkingDir: cwd,
      outfile: path.join(cwd, OUTPUT_NAME),
      write: false,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      external: FLYTE_SPECIFIERS,
      // Bundling renames functions whose names clash (`function main` → `main2`); a task's name comes from its
      // function's name, so keep the names.
      keepNames: true,
      sourcemap: "inline",
      sourcesContent: true,
      metafile: true,
      logLevel: "silent",
    });
  } catch (error) {
    throw bundleFailure(entry, error);
  }
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new CodeBundleError(`bundling ${entry} produced no output`);
  return {
    hash: createHash("sha256").update(code).digest("hex"),
    code,
    externals: resolveExternals(importedPackages(result.metafile), path.dirname(absolute), entry),
    entry,
  };
}

/** Stops esbuild's helper process (it is started on the first bundle and otherwise lives until exit). */
export async function stopBundler(): Promise<void> {
  if (!bundlerLoaded) return;
  const { stop } = await import("esbuild");
  await stop();
}

/** The npm package names the bundle imports (not node builtins), sorted. */
function importedPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external) continue;
      const name = packageName(imported.path);
      if (name !== undefined) names.add(name);
    }
  }
  return [...names].sort();
}

/** `lodash/fp` → `lodash`, `@aws-sdk/client-s3/x` → `@aws-sdk/client-s3`; undefined for builtins and URLs. */
function packageName(specifier: string): string | undefined {
  if (isBuiltin(specifier) || specifier.startsWith(".") || specifier.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Each package's version from the nearest node_modules/<pkg>/package.json above `fromDir` (or the package itself). */
function resolveExternals(names: readonly string[], fromDir: string, entry: string): Record<string, string> {
  const externals: Record<string, string> = {};
  for (const name of names) {
    const version = installedVersion(name, fromDir);
    if (version === undefined) {
      throw new CodeBundleError(
        `${entry} imports the package "${name}", which is not installed (no node_modules/${name}/package.json in ${fromDir} or above); install it with npm install ${name}`,
      );
    }
    externals[name] = version;
  }
  return externals;
}

function installedVersion(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const version = readVersion(path.join(dir, "node_modules", name, "package.json"));
    if (version !== undefined) return version;
    // A package importing itself by name (its own examples and tests) resolves to its own package.json.
    const own = readPackageJson(path.join(dir, "package.json"));
    if (own?.name === name && typeof own.version === "string") return own.version;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readVersion(file: string): string | undefined {
  const json = readPackageJson(file);
  return typeof json?.version === "string" ? json.version : undefined;
}

function readPackageJson(file: string): { name?: unknown; version?: unknown } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    // An unreadable package.json is as good as none: the search goes on upwards.
    return undefined;
  }
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function bundleFailure(entry: string, error: unknown): CodeBundleError {
  if (!isBuildFailure(error) || error.errors.length === 0) {
    return new CodeBundleError(`cannot bundle ${entry}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const shown = error.errors.slice(0, 5).map(describeMessage);
  const more = error.errors.length > shown.length ? `\n  … and ${error.errors.length - shown.length} more` : "";
  return new CodeBundleError(`cannot bundle ${entry}:\n  ${shown.join("\n  ")}${more}`, { cause: error });
}

/** `examples/x.ts:12:5: Expected ";" but found "x"` plus the offending line. */
function describeMessage(message: Message): string {
  const { location } = message;
  if (!location) return message.text;
  const where = `${location.file}:${location.line}:${location.column + 1}`;
  return `${where}: ${message.text}${location.lineText ? `\n    ${location.lineText.trim()}` : ""}`;
}
