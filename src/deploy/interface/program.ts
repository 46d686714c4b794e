// Builds the TypeScript program used to read a file's task types. Options come from the nearest tsconfig.json
// (for `paths`, so `import "flyte"` resolves inside this repository) with lib/emit settings forced for speed:
// es2022 lib only (no DOM), no emit, no lib checking.
import path from "node:path";
import type ts from "typescript";

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
  return t.createProgram({ rootNames: [file], options, host: t.createCompilerHost(options, true) });
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
