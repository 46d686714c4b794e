// State that must be shared by every copy of this package loaded in one process. A CLI running from dist/ and a
// user file that resolves "flyte" to another path would otherwise each see only their own registries and
// ambient context, and task calls would silently stop being recorded.

/** The process-wide value stored under `name`, created by `create` on first use. */
export function processGlobal<T>(name: string, create: () => T): T {
  const key = Symbol.for(`flyte.${name}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return (slots[key] ??= create());
}
