// extractInterfaces: the tasks a TypeScript file exports, each with its interface derived from its signature.
// Cached by content hash; on a hit the TypeScript compiler is never loaded. Type errors do not block (users
// iterate with them); a missing file, syntax errors or a file without tasks are InvalidInputErrors.
import { stat } from "node:fs/promises";
import path from "node:path";
import type ts from "typescript";
import { InvalidInputError } from "../../errors/index.js";
import { findTsconfig, interfaceCacheKey } from "./cache-key.js";
import { readCachedInterfaces, writeCachedInterfaces } from "./interface-cache.js";
import { loadTypeScript } from "./load-typescript.js";
import { createInterfaceProgram, formatDiagnostic, syntaxErrors } from "./program.js";
import { taskInterfaces } from "./task-interfaces.js";
import type { FileInterfaces } from "./types.js";

export interface ExtractOptions {
  /** Where `interfaces/<key>.json` entries live; default `.flyte/cache` under the current directory. */
  cacheDir?: string;
}

const EXAMPLE_TASK = 'export const main = env.task(async function main(xs: number[]) { ... })';

/**
 * The exported tasks of `file` and their interfaces.
 * @example const { tasks } = await extractInterfaces("examples/hello.ts");
 */
export async function extractInterfaces(file: string, options: ExtractOptions = {}): Promise<FileInterfaces> {
  const absolute = path.resolve(file);
  await checkIsFile(file, absolute);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(".flyte", "cache"));
  const tsconfig = findTsconfig(path.dirname(absolute));
  const key = await interfaceCacheKey(absolute, tsconfig);
  const cached = await readCachedInterfaces(cacheDir, key);
  if (cached) return cached;
  const result: FileInterfaces = { file: absolute, key, tasks: extractWithCompiler(await loadTypeScript(), file, absolute, tsconfig) };
  try {
    await writeCachedInterfaces(cacheDir, result);
  } catch (error) {
    // The result is still right; only the next run will be slower.
    process.emitWarning(`flyte: could not cache the task interfaces of ${file} in ${cacheDir}: ${(error as Error).message}`);
  }
  return result;
}

async function checkIsFile(file: string, absolute: string): Promise<void> {
  const info = await stat(absolute).catch(() => undefined);
  if (!info) {
    throw new InvalidInputError(`${file} does not exist (looked for ${absolute}); pass the path of a TypeScript file that exports tasks, relative to ${process.cwd()}`);
  }
  if (!info.isFile()) throw new InvalidInputError(`${file} is not a file; pass the path of a TypeScript file that exports tasks`);
}

function extractWithCompiler(t: typeof ts, file: string, absolute: string, tsconfig: string | undefined): FileInterfaces["tasks"] {
  const program = createInterfaceProgram(t, absolute, tsconfig);
  const sourceFile = program.getSourceFile(absolute);
  if (!sourceFile) throw new InvalidInputError(`${file} could not be read as a TypeScript file; pass a .ts file that exports tasks`);
  const errors = syntaxErrors(t, program, sourceFile);
  if (errors.length > 0) {
    throw new InvalidInputError(`${file} has syntax errors; fix them and run again:\n  ${errors.join("\n  ")}`);
  }
  const checker = program.getTypeChecker();
  const tasks = taskInterfaces({ ts: t, checker, program }, sourceFile);
  if (tasks.length === 0) {
    throw new InvalidInputError(`${file} exports no tasks; export each task to run, e.g. ${EXAMPLE_TASK}${unresolvedImports(t, program, sourceFile)}`);
  }
  return tasks;
}

/** When "flyte" (or another import) cannot be resolved, tasks have no type: say so instead of only "no tasks". */
function unresolvedImports(t: typeof ts, program: ts.Program, sourceFile: ts.SourceFile): string {
  const CANNOT_FIND_MODULE = new Set([2307, 2792]);
  const missing = program.getSemanticDiagnostics(sourceFile).filter((d) => CANNOT_FIND_MODULE.has(d.code));
  if (missing.length === 0) return "";
  return `\n(imports that could not be resolved, so their tasks could not be recognised:\n  ${missing.map((d) => formatDiagnostic(t, d)).join("\n  ")})`;
}
