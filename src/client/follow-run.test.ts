// followRun against a scripted client: reconnects when a stream closes before `end`, stops at `end` or on abort,
// and gives up at once on errors reconnecting cannot fix, or after too many failures in a row.
import { describe, expect, it } from "vitest";
import { RunNotFoundError } from "../errors/index.js";
import { ServerUnreachableError } from "./errors.js";
import type { FlyteClient, RunWatchEvent } from "./flyte-client.js";
import { followRun } from "./follow-run.js";

/** Each connection plays the next script: events, then a clean close, or a thrown error. */
type Script = { events: RunWatchEvent[]; error?: Error; hang?: boolean };

function scriptedClient(scripts: Script[]): { client: FlyteClient; connections: () => number } {
  let connections = 0;
  const client = {
    endpoint: "http://server.test",
    async *watchRun(_name: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<RunWatchEvent> {
      const script = scripts[connections++] ?? { events: [], error: new ServerUnreachableError("down") };
      for (const event of script.events) yield event;
      if (script.error) throw script.error;
      if (script.hang) {
        // Like fetch: an aborted signal fails the read at once, or when it aborts later.
        await new Promise<void>((_, reject) => {
          if (options.signal?.aborted) reject(new Error("aborted"));
          options.signal?.addEventListener("abort", () => reject(new Error("aborted")));
        });
      }
    },
  };
  return { client: client as unknown as FlyteClient, connections: () => connections };
}

async function collect(events: AsyncIterable<RunWatchEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) seen.push(event.event);
  return seen;
}

describe("followRun", () => {
  it("reconnects after a stream that closed (or failed) before the run's end, and stops at end", async () => {
    const { client, connections } = scriptedClient([
      { events: [{ event: "snapshot" }, { event: "action" }] },
      { events: [], error: new ServerUnreachableError("reset") },
      { events: [{ event: "snapshot" }, { event: "end" }, { event: "after-end" }] },
    ]);
    expect(await collect(followRun(client, "r", { retryDelayMs: 1 }))).toEqual(["snapshot", "action", "snapshot", "end"]);
    expect(connections()).toBe(3);
  });

  it("ends quietly when its signal aborts", async () => {
    const { client } = scriptedClient([{ events: [{ event: "snapshot" }], hang: true }]);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of followRun(client, "r", { signal: controller.signal })) {
      seen.push(event.event);
      controller.abort();
    }
    expect(seen).toEqual(["snapshot"]);
  });

  it("throws at once for a run that does not exist, and after maxFailures failed connections otherwise", async () => {
    const missing = scriptedClient([{ events: [], error: new RunNotFoundError("no run r") }]);
    await expect(collect(followRun(missing.client, "r", { retryDelayMs: 1 }))).rejects.toThrow("no run r");
    expect(missing.connections()).toBe(1);

    const down = scriptedClient([]);
    await expect(collect(followRun(down.client, "r", { retryDelayMs: 1, maxFailures: 3 }))).rejects.toThrow("down");
    expect(down.connections()).toBe(3);

    const closing = scriptedClient([{ events: [] }, { events: [] }, { events: [] }]);
    await expect(collect(followRun(closing.client, "r", { retryDelayMs: 1, maxFailures: 3 }))).rejects.toThrow(
      "the watch stream of run r on http://server.test keeps closing before the run ends",
    );
  });
});
