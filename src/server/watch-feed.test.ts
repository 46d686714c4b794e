// The coalescing feed on its own: bursts of marks become one read, a snapshot always precedes a client's
// batches, and the feed ends its clients and tells its owner when the watched thing is over or nobody listens.
import { describe, expect, it } from "vitest";
import { WatchFeed, type FeedRead, type WatchEvent, type WatchSink } from "./watch-feed.js";

function sink(): WatchSink & { events: WatchEvent[]; ended: boolean; closed: boolean } {
  const state = {
    events: [] as WatchEvent[],
    ended: false,
    closed: false,
    send(events: readonly WatchEvent[]) {
      state.events.push(...events);
    },
    end() {
      state.ended = true;
      state.closed = true;
    },
  };
  return state;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WatchFeed", () => {
  it("reads a burst of marks once, with every key, after one interval", async () => {
    const reads: string[][] = [];
    let idle = false;
    const feed = new WatchFeed({
      intervalMs: 10,
      read: async (keys) => {
        reads.push([...keys].sort());
        return { events: [{ event: "action", data: [...keys].length }], done: false };
      },
      onIdle: () => (idle = true),
      onError: (error) => {
        throw error;
      },
    });
    const client = sink();
    feed.join(client, async () => ({ events: [{ event: "snapshot", data: null }], done: false }));
    for (let i = 0; i < 1000; i++) feed.mark(`k${i % 100}`);
    await tick(40);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toHaveLength(100);
    expect(client.events.map((e) => e.event)).toEqual(["snapshot", "action"]);
    feed.leave(client);
    expect(idle).toBe(true);
  });

  it("sends a client's snapshot before any batch, even when a read is in flight as it joins", async () => {
    let release!: () => void;
    const slowRead = new Promise<void>((resolve) => (release = resolve));
    const feed = new WatchFeed({
      intervalMs: 1,
      read: async (): Promise<FeedRead> => {
        await slowRead;
        return { events: [{ event: "action", data: "old" }], done: false };
      },
      onIdle: () => {},
      onError: () => {},
    });
    const first = sink();
    feed.join(first, async () => ({ events: [{ event: "snapshot", data: 1 }], done: false }));
    feed.mark("a");
    await tick(10);
    const second = sink();
    feed.join(second, async () => ({ events: [{ event: "snapshot", data: 2 }], done: false }));
    release();
    await tick(10);
    // The in-flight read predates the second client's snapshot, so only the first client gets it.
    expect(first.events.map((e) => e.event)).toEqual(["snapshot", "action"]);
    expect(second.events.map((e) => e.event)).toEqual(["snapshot"]);
    feed.close();
    expect(first.ended && second.ended).toBe(true);
  });

  it("ends every client when a read says the watched run is done", async () => {
    let idle = 0;
    const feed = new WatchFeed({
      intervalMs: 1,
      read: async () => ({ events: [{ event: "end", data: null }], done: true }),
      onIdle: () => idle++,
      onError: () => {},
    });
    const clients = [sink(), sink()];
    for (const client of clients) feed.join(client, async () => ({ events: [], done: false }));
    feed.mark("run");
    await tick(20);
    for (const client of clients) expect(client).toMatchObject({ ended: true, events: [{ event: "end", data: null }] });
    expect(idle).toBe(1);
    feed.mark("late");
    await tick(10);
    expect(clients[0]?.events).toHaveLength(1);
  });
});
