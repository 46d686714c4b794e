// Tells the data types (File, Dir, DataFrame) where the running action may read and write: its run's blob
// store and the URI prefix of its current attempt, plus a local scratch folder for downloads.
import { tmpdir } from "node:os";
import path from "node:path";
import { setDataContextProvider } from "../io/data-context.js";
import { currentFrame } from "./context.js";

/** The URI prefix owned by one attempt of one action. */
export function attemptDataPrefix(rawDataPath: string, actionName: string, attempt: number): string {
  return `${rawDataPath}/${actionName}/${attempt}`;
}

export function installDataContext(): void {
  setDataContextProvider(() => {
    const frame = currentFrame();
    if (!frame) return undefined;
    const { run, node } = frame;
    return {
      store: run.blobs,
      prefix: attemptDataPrefix(run.rawDataPath, node.name, node.attempt),
      scratchDir: path.join(tmpdir(), "flyte-scratch", run.name, node.name, String(node.attempt)),
    };
  });
}
