// `flyte get output RUN [ACTION] [--download DIR]`: an action's output value, with File, Dir and DataFrame
// references shown as URIs; --download fetches every referenced object into a local folder.
import path from "node:path";
import type { Command } from "commander";
import { loadStoredValue } from "../../engine/value-offload.js";
import { decodeValue } from "../../io/index.js";
import { DataFrame, Dir, File } from "../../io.js";
import { commandEngine } from "../engine.js";
import { toDisplayJson } from "../format.js";
import { UsageError } from "../inputs/index.js";
import type { Io } from "../io.js";

export function registerOutputCommand(get: Command, io: Io): void {
  get
    .command("output")
    .description("print an action's output; --download fetches the files, directories and tables it references")
    .argument("<run>", "run name")
    .argument("[action]", "action name (default: the root action a0)")
    .option("--download <dir>", "download every File, Dir and DataFrame of the output into this folder")
    .action(async (runName: string, actionName: string | undefined, flags: { download?: string }) => {
      const store = commandEngine(io).store;
      const name = actionName ?? "a0";
      const action = await store.getAction(runName, name);
      if (!action) throw new UsageError(`run "${runName}" has no action "${name}"; see its actions with "flyte get run ${runName}"`);
      if (action.outputs === null) throw new UsageError(`action ${name} of run ${runName} has no output (phase: ${action.phase})`);
      const value = decodeValue(await loadStoredValue(action.outputs));
      if (flags.download === undefined) return io.out(toDisplayJson(value));
      const target = path.resolve(io.cwd, flags.download);
      for (const reference of references(value)) io.out(await download(reference, target));
    });
}

function* references(value: unknown, seen = new Set<unknown>()): Generator<File | Dir | DataFrame> {
  if (value instanceof File || value instanceof Dir || value instanceof DataFrame) {
    yield value;
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  const children = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  for (const child of children) yield* references(child, seen);
}

async function download(reference: File | Dir | DataFrame, target: string): Promise<string> {
  if (reference instanceof File) return reference.download(path.join(target, reference.name));
  if (reference instanceof Dir) return reference.download(path.join(target, reference.name));
  const file = path.join(target, `${path.posix.basename(reference.uri ?? "table")}`.replace(/(\.parquet)?$/, ".parquet"));
  await reference.download(file);
  return file;
}
