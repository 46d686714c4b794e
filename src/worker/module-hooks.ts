// Module resolution for the code a worker loads. An uploaded bundle keeps `flyte` and npm packages as imports;
// in the worker "flyte" and "flyte/io" must be the worker's own copy (one engine, one ambient context). The
// module's other bare imports resolve first from its own dependency folder (exact versions installed for it),
// then normally (next to the module), then from the project folder.
import { register } from "node:module";
import { existsSync, realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

// Registered as a data: URL so it needs no file of its own in src/ or dist/; it runs on the loader thread.
const HOOKS = `
let mapped = {};
let fallbackParent = undefined;
let depsParent = undefined;
let moduleUrl = undefined;
export async function initialize(data) {
  mapped = data.mapped;
  fallbackParent = data.fallbackParent;
  depsParent = data.depsParent;
  moduleUrl = data.moduleUrl;
}
const isBare = (specifier) => !specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.includes(":");
export async function resolve(specifier, context, nextResolve) {
  const target = mapped[specifier];
  // Resolved by the next hooks, so that a TypeScript loader (tsx) still handles a .ts target.
  if (target) return nextResolve(target, context);
  // Only the module's own imports: flyte's imports and a package's imports of its dependencies resolve as usual.
  if (depsParent && context.parentURL === moduleUrl && isBare(specifier)) {
    try {
      return await nextResolve(specifier, { ...context, parentURL: depsParent });
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!isBare(specifier) || !fallbackParent || error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    return nextResolve(specifier, { ...context, parentURL: fallbackParent });
  }
}
`;

export interface ModuleHookSettings {
  /** The module (a bundle) whose imports `depsDir` serves. */
  readonly module: string;
  readonly resolveFrom: string;
  readonly depsDir?: string | undefined;
}

/** Maps "flyte" imports to this copy of the package, and resolves the module's bare imports as described above. */
export function installModuleHooks(settings: ModuleHookSettings): void {
  const mapped: Record<string, string> = {
    flyte: entryUrl("../index"),
    "flyte/io": entryUrl("../io"),
    "flyte/remote": entryUrl("../remote"),
  };
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: {
      mapped,
      fallbackParent: parentIn(settings.resolveFrom),
      depsParent: settings.depsDir === undefined ? undefined : parentIn(settings.depsDir),
      // Node names an imported file by its real path (symlinks resolved), so its imports carry that parent URL.
      moduleUrl: pathToFileURL(existsSync(settings.module) ? realpathSync(settings.module) : settings.module).href,
    },
  });
}

/** A (possibly absent) file in `dir`: resolving relative to it searches dir/node_modules, then the folders above. */
function parentIn(dir: string): string {
  return pathToFileURL(`${dir.replace(/\/+$/, "")}/package.json`).href;
}

/** The URL of one of this package's entry files, as sources (.ts under tsx) or compiled (.js). */
function entryUrl(relative: string): string {
  for (const extension of [".ts", ".js"]) {
    const url = new URL(`${relative}${extension}`, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new Error(`cannot find the flyte entry ${relative} next to ${import.meta.url}`);
}
