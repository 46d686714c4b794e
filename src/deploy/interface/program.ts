// Builds the TypeScript program used to read a file's task types. Options come from the nearest tsconfig.json
// (for `paths`, so `import "flyte"` resolves inside this repository) with lib/emit settings forced for speed:
// es2022 lib only (no DOM), no emit, no lib checking. Flyte's own files import only flyte's own modules and
// Node's: the packages flyte's internals are built on (the S3 client's ~600 declaration files, the HTTP server,
// the databases) never shape a task's parameters, and parsing them was most of the cost of a file's first read.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type ts from "typescript";

/** This package's folder (src/ or dist/ and then deploy/interface/ above this file). */
const FLYTE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FLYTE_CODE = [path.join(FLYTE_ROOT, "src") + path.sep, path.join(FLYTE_ROOT, "dist") + path.sep];

/** Whether an import in `containingFile` of `specifier` is followed: everywhere but from flyte to other packages. */
function followed(specifier: string, containingFile: string): boolean {
  const fromFlyte = FLYTE_CODE.some((dir) => path.resolve(containingFile).startsWith(dir));
  if (!fromFlyte) return true;
  return specifier.startsWith(".") || specifier.startsWith("node:") || specifier === "flyte" || specifier.startsWith("flyte/");
}

/** The compiler options of a tsconfig.json (following `extends`), or none when it is missing or unreadable. */
export function configOptions(t: typeof ts, configPath: string | undefined): ts.CompilerOptions {
  if (!configPath) return {};
  const read = t.readConfigFile(configPath, (p) => t.sys.readFile(p));
  if (read.error || typeof read.config !== "object" || read.config === null) return {};
  // Only compilerOptions matter: an empty include skips walking the project's folders for its file list.
  const config = { ...(read.config as Record<string, unknown>), include: [], files: undefined, references: undefined };
  return t.parseJsonConfigFileContent(config, t.sys, path.dirname(configPath), undefined, configPath).options;
}

export function createInterfaceProgram(t: typeof ts, file: string, configPath: string | undefined): ts.Program {
  const options: ts.CompilerOptions = {
    ...configOptions(t, configPath),
    noEmit: true,
    skipLibCheck: true,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    module: t.ModuleKind.NodeNext,
    moduleResolution: t.ModuleResolutionKind.NodeNext,
    strict: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    composite: false,
    incremental: false,
  };
  delete options.tsBuildInfoFile;
  const host = t.createCompilerHost(options, true);
  const cache = t.createModuleResolutionCache(host.getCurrentDirectory(), (name) => host.getCanonicalFileName(name), options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions, containingSourceFile) =>
    literals.map((literal) =>
      followed(literal.text, containingFile)
        ? t.resolveModuleName(
            literal.text,
            containingFile,
            compilerOptions,
            host,
            cache,
            redirected,
            t.getModeForUsageLocation(containingSourceFile, literal, compilerOptions),
          )
        : { resolvedModule: undefined },
    );
  return t.createProgram({ rootNames: [file], options, host });
}

/**
 * The first syntax errors of `sourceFile`, then of the project files it imports, as `file:line:col message`
 * lines. Parsing already produced them, so this costs nothing; declaration files and packages are skipped.
 */
export function syntaxErrors(t: typeof ts, program: ts.Program, sourceFile: ts.SourceFile, limit = 3): string[] {
  const imported = program
    .getSourceFiles()
    .filter((file) => file !== sourceFile && !file.isDeclarationFile && !/[/\\]node_modules[/\\]/.test(file.fileName));
  return [sourceFile, ...imported]
    .flatMap((file) => program.getSyntacticDiagnostics(file))
    .slice(0, limit)
    .map((diagnostic) => formatDiagnostic(t, diagnostic));
}

export function formatDiagnostic(t: typeof ts, diagnostic: ts.Diagnostic): string {
  const message = t.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line, character } = t.getLineAndCharacterOfPosition(diagnostic.file, diagnostic.start);
  return `${diagnostic.file.fileName}:${line + 1}:${character + 1} ${message}`;
}
