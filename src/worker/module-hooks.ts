// Module resolution for the code a worker loads. An uploaded bundle keeps `flyte` and npm packages as imports;
// in the worker "flyte" and "flyte/io" must be the worker's own copy (one engine, one ambient context), and
// other packages resolve from the project folder when they are not found next to the bundle.
import { register } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

// Registered as a data: URL so it needs no file of its own in src/ or dist/; it runs on the loader thread.
const HOOKS = `
let mapped = {};
let fallbackParent = undefined;
export async function initialize(data) {
  mapped = data.mapped;
  fallbackParent = data.fallbackParent;
}
export async function resolve(specifier, context, nextResolve) {
  const target = mapped[specifier];
  // Resolved by the next hooks, so that a TypeScript loader (tsx) still handles a .ts target.
  if (target) return nextResolve(target, context);
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const bare = !specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.includes(":");
    if (!bare || !fallbackParent || error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    return nextResolve(specifier, { ...context, parentURL: fallbackParent });
  }
}
`;

/** Maps "flyte" imports to this copy of the package and lets bare imports fall back to `resolveFrom`. */
export function installModuleHooks(resolveFrom: string): void {
  const mapped: Record<string, string> = {
    flyte: entryUrl("../index"),
    "flyte/io": entryUrl("../io"),
  };
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { mapped, fallbackParent: pathToFileURL(`${resolveFrom.replace(/\/+$/, "")}/package.json`).href },
  });
}

/** The URL of one of this package's entry files, as sources (.ts under tsx) or compiled (.js). */
function entryUrl(relative: string): string {
  for (const extension of [".ts", ".js"]) {
    const url = new URL(`${relative}${extension}`, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new Error(`cannot find the flyte entry ${relative} next to ${import.meta.url}`);
}
