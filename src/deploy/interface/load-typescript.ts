// Loads the TypeScript compiler on demand. It is large (~9 MB of JS, ~150 ms to load), so callers reach it only
// when the interface cache misses; a warm `flyte run` never loads it.
import type ts from "typescript";

export async function loadTypeScript(): Promise<typeof ts> {
  const loaded = await import("typescript");
  return loaded.default;
}
