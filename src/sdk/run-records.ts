// What every Run backend (local, stored, remote) does with the records it reads: decide which actions changed
// since a watcher last looked, and turn a finished run's record into its output or its error.
import { ActionAbortedError } from "../errors/index.js";
import { loadStoredValue, storedRunError } from "../engine/index.js";
import { decodeValue } from "../io/index.js";
import type { ActionRecord, RunRecord } from "../store/index.js";

/** The actions that are new or whose phase or attempt changed since `seen` last saw them; `seen` is updated. */
export function* changedActions(seen: Map<string, string>, actions: Iterable<ActionRecord>): Generator<ActionRecord> {
  for (const action of actions) {
    const state = `${action.phase}:${action.attempt}`;
    if (seen.get(action.name) === state) continue;
    seen.set(action.name, state);
    yield action;
  }
}

/** The decoded output of a run that ended; rejects with its error (revived) when it did not succeed. */
export async function finishedRunOutputs(record: RunRecord): Promise<unknown> {
  if (record.phase === "succeeded" && record.outputs !== null) return decodeValue(await loadStoredValue(record.outputs));
  throw storedRunError(record) ?? new ActionAbortedError(`run ${record.name} ended in phase ${record.phase}`);
}
