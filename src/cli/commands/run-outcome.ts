// How `flyte run` ends once its run has: the output on stdout and exit 0, or the failing action and its error on
// stderr and exit 1. Shared by local and remote runs, which both hand over a Run.
import { failingAction, formatError, toDisplayJson } from "../format.js";
import { EXIT_FAILED, EXIT_OK, type Io } from "../io.js";
import type { Run } from "../../sdk/index.js";
import type { ActionPhase } from "../../store/index.js";

/**
 * Prints the output of a succeeded run, or what failed. `inspect` is appended to the hint commands (a remote
 * run passes its `--endpoint URL`).
 */
export async function printRunOutcome(io: Io, run: Run, phase: ActionPhase, inspect = ""): Promise<number> {
  if (phase === "succeeded") {
    io.out(toDisplayJson(await run.outputs()));
    return EXIT_OK;
  }
  const cause = failingAction(await run.actions());
  if (cause?.error) {
    io.err(`  failing action: ${cause.name} (${cause.type === "trace" ? `trace ${cause.taskName}` : cause.taskName}, attempt ${cause.attempt})`);
    io.err(`  error: ${formatError(cause.error)}`);
  }
  io.err(`  inspect: flyte get run ${run.name}${inspect}${cause ? `   |   flyte get logs ${run.name} ${cause.name}${inspect}` : ""}`);
  return EXIT_FAILED;
}
