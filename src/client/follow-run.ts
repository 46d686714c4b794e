// Follows one run's watch stream to its `end` event, reconnecting when the stream drops before it (a server
// restart, a proxy timeout). Each reconnect starts with a fresh `snapshot`, so consumers treat every snapshot as
// the whole state. Gives up after a few failed connections in a row, with the last error.
import { errorCode } from "../errors/index.js";
import { ServerUnreachableError } from "./errors.js";
import type { FlyteClient, RunWatchEvent } from "./flyte-client.js";

export interface FollowRunOptions {
  readonly signal?: AbortSignal;
  /** Failed connections in a row before the last error is thrown (default 5). */
  readonly maxFailures?: number;
  /** First pause before reconnecting; doubles per failure up to 8 s (default 250 ms). */
  readonly retryDelayMs?: number;
}

/** Errors that reconnecting cannot fix: the request itself is wrong. */
const FINAL_CODES = new Set(["RUN_NOT_FOUND", "UNAUTHORIZED", "INVALID_REQUEST"]);

/** Yields the run's watch events up to and including `end`; aborting `signal` stops quietly. */
export async function* followRun(client: FlyteClient, name: string, options: FollowRunOptions = {}): AsyncGenerator<RunWatchEvent> {
  const { signal } = options;
  const maxFailures = options.maxFailures ?? 5;
  let failures = 0;
  for (;;) {
    let sawEvent = false;
    let failure: unknown;
    try {
      for await (const event of client.watchRun(name, signal === undefined ? {} : { signal })) {
        sawEvent = true;
        failures = 0;
        yield event;
        if (event.event === "end" || signal?.aborted) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (FINAL_CODES.has(errorCode(error))) throw error;
      failure = error;
    }
    if (signal?.aborted) return;
    // A stream that closed cleanly without events counts as a failure too, or a broken proxy would spin.
    if (failure !== undefined || !sawEvent) failures++;
    if (failures >= maxFailures) {
      throw failure ?? new ServerUnreachableError(`the watch stream of run ${name} on ${client.endpoint} keeps closing before the run ends; check the server and any proxy in between`);
    }
    await pause(Math.min(8_000, (options.retryDelayMs ?? 250) * 2 ** Math.max(0, failures - 1)), signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
