// Runs one of the package's entry points: the TypeScript source through tsx in a checkout (so user code's
// `import "flyte"`, mapped to src/ by tsconfig paths, shares one module instance with it), the compiled dist/
// file in an installed package.
import { existsSync } from "node:fs";

/** `source` and `compiled` are paths relative to the package root, e.g. "src/cli/entry.ts". */
export async function launch(source, compiled) {
  const sourceUrl = new URL(`../${source}`, import.meta.url);
  if (existsSync(sourceUrl)) {
    const { register } = await import("tsx/esm/api");
    register();
    globalThis[Symbol.for("flyte.tsx-registered")] = true;
    await import(sourceUrl.href);
  } else {
    await import(new URL(`../${compiled}`, import.meta.url).href);
  }
}
