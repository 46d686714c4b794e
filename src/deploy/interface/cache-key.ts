// The cache key of a file's interfaces, computed without TypeScript: sha256 over the extractor version, the
// installed TypeScript version, the file's path and content, its tsconfig, and the content of every local file
// it imports with a relative specifier (found by a regex scan, recursively).
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { sha256Hex } from "./canonical-json.js";

/** Bump when the extraction or the schema mapping changes, so old cache entries are not reused. */
export const EXTRACTOR_VERSION = "1";

// `from "./x.js"`, `import "./x.js"`, `import("./x.js")`, `export * from "../y"`.
const RELATIVE_SPECIFIER = /\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"'\n]+)["']/g;
const SOURCE_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  ".js": [".ts", ".tsx", ".js"],
  ".jsx": [".tsx", ".jsx"],
  ".mjs": [".mts", ".mjs"],
  ".cjs": [".cts", ".cjs"],
};

let typescriptVersion: string | undefined;

/** The installed TypeScript's version, read from its package.json (loading the compiler costs ~150 ms). */
async function installedTypeScriptVersion(): Promise<string> {
  if (typescriptVersion === undefined) {
    const manifest = createRequire(import.meta.url).resolve("typescript/package.json");
    typescriptVersion = String((JSON.parse(await readFile(manifest, "utf8")) as { version?: unknown }).version);
  }
  return typescriptVersion;
}

/** The nearest tsconfig.json in `dir` or a folder above it. */
export function findTsconfig(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, "tsconfig.json");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

/** The source file a relative specifier points at, the way NodeNext + TypeScript map `.js` to `.ts`. */
export function resolveLocalImport(fromFile: string, specifier: string): string | undefined {
  const target = path.resolve(path.dirname(fromFile), specifier);
  const ext = path.extname(target);
  const base = target.slice(0, target.length - ext.length);
  const candidates = SOURCE_EXTENSIONS[ext]?.map((e) => base + e) ?? [target, `${target}.ts`, `${target}.tsx`, path.join(target, "index.ts")];
  return candidates.find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
}

/** Relative specifiers imported or re-exported by `source`. */
export function localSpecifiers(source: string): string[] {
  return [...source.matchAll(RELATIVE_SPECIFIER)].map((match) => match[1]!);
}

/** The cache key of `file` (an absolute path to an existing file). */
export async function interfaceCacheKey(file: string, tsconfig: string | undefined): Promise<string> {
  const parts = [`extractor ${EXTRACTOR_VERSION}`, `typescript ${await installedTypeScriptVersion()}`];
  if (tsconfig) parts.push(`tsconfig ${tsconfig}`, await readFile(tsconfig, "utf8"));
  const seen = new Set<string>();
  const visit = async (current: string): Promise<void> => {
    seen.add(current);
    const source = await readFile(current, "utf8");
    parts.push(`file ${current}`, source);
    for (const specifier of localSpecifiers(source)) {
      const resolved = resolveLocalImport(current, specifier);
      if (!resolved) parts.push(`unresolved ${current} ${specifier}`);
      else if (!seen.has(resolved)) await visit(resolved);
    }
  };
  await visit(file);
  // Length-prefixed so no two different part lists can join to the same text.
  return sha256Hex(parts.map((part) => `${part.length}:${part}`).join("\n"));
}
