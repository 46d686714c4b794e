#!/usr/bin/env node
// The `flyte` command. In a source checkout (src/ present) it runs the TypeScript sources through tsx, so the
// CLI and the user's `import "flyte"` (mapped to src/ by tsconfig paths) share one module instance; in an
// installed package it runs the compiled dist/.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/entry.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  globalThis[Symbol.for("flyte.tsx-registered")] = true;
  await import(source.href);
} else {
  await import(new URL("../dist/cli/entry.js", import.meta.url).href);
}
