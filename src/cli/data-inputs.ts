// Task inputs of type File, Dir or DataFrame arrive on the command line as local paths or URIs. Before the run
// starts they are stored in the engine's blob store (under `inputs/<run>/`), so the run only sees references.
import path from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { BlobStore } from "../blob/index.js";
import { FlyteError } from "../errors/index.js";
import type { TaskInterface } from "../deploy/interface/index.js";
import { Dir, File, DataFrame } from "../io.js";
import { withDataContext } from "../io/data-context.js";
import { UsageError } from "./inputs/index.js";

const URI = /^[a-z][a-z0-9+.-]*:\/\//;

/** Replaces path arguments of File/Dir/DataFrame inputs by stored references. */
export async function storeDataInputs(iface: TaskInterface, args: unknown[], blobs: BlobStore, runName: string, cwd: string): Promise<unknown[]> {
  const ctx = { store: blobs, prefix: blobs.uriOf(`inputs/${runName}`), scratchDir: path.join(tmpdir(), "flyte-scratch", runName, "inputs") };
  return withDataContext(ctx, () =>
    Promise.all(
      args.map(async (arg, i) => {
        const input = iface.inputs[i];
        const kind = input?.schema["x-flyte-type"];
        if (typeof arg !== "string" || input === undefined || (kind !== "file" && kind !== "dir" && kind !== "dataframe")) return arg;
        try {
          return await toReference(kind, arg, cwd);
        } catch (error) {
          if (error instanceof FlyteError) throw new UsageError(`--${input.name}: ${error.message}`, { cause: error });
          throw error;
        }
      }),
    ),
  );
}

async function toReference(kind: "file" | "dir" | "dataframe", value: string, cwd: string): Promise<File | Dir | DataFrame> {
  const isUri = URI.test(value) && !value.startsWith("file://");
  const local = value.startsWith("file://") ? fileURLToPath(value) : path.resolve(cwd, value);
  switch (kind) {
    case "file":
      return isUri ? new File({ uri: value, name: path.posix.basename(value) }) : File.fromLocal(local);
    case "dir":
      return isUri ? new Dir({ uri: value, name: path.posix.basename(value) }) : Dir.fromLocal(local);
    case "dataframe":
      if (/\.csv$/i.test(value)) {
        if (isUri) throw new UsageError(`a CSV DataFrame input must be a local file, got ${value}; convert it to Parquet or download it first`);
        return DataFrame.fromCsv(local);
      }
      return DataFrame.fromParquet(isUri ? value : local);
  }
}
