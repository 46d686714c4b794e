// Server-sent events for one client: feed events are queued and written in order without ever blocking the
// feed, comments keep idle connections (and proxies) alive, and a client that disconnects, or falls so far
// behind that its queue overflows, is dropped and unsubscribed.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { WatchEvent, WatchSink } from "./watch-feed.js";

export const HEARTBEAT_MS = 15_000;
/** Events queued for a client that does not read; beyond this it is cut off (it can watch again). */
const MAX_QUEUED_EVENTS = 10_000;

export interface EventStreamOptions {
  readonly heartbeatMs?: number;
}

/**
 * Answers with a `text/event-stream` that lives until the feed ends it or the client goes away.
 * `subscribe` hands the client's sink to a feed and returns the function that removes it.
 */
export function eventStream(c: Context, subscribe: (sink: WatchSink) => () => void, options: EventStreamOptions = {}): Response {
  const signal = c.req.raw.signal;
  return streamSSE(c, async (stream) => {
    await new Promise<void>((resolve) => {
      let queued = 0;
      let writing: Promise<unknown> = Promise.resolve();
      let leave: () => void = () => {};
      let finished = false;

      const write = (text: () => Promise<unknown>): void => {
        // The streaming API swallows write errors itself; the catch keeps one failure from ending the chain.
        writing = writing.then(text).catch(() => undefined);
      };
      const finish = (): void => {
        if (finished) return;
        finished = true;
        sink.closed = true;
        clearInterval(heartbeat);
        signal.removeEventListener("abort", finish);
        leave();
        resolve();
      };
      const sink: WatchSink & { closed: boolean } = {
        closed: false,
        send(events: readonly WatchEvent[]) {
          if (sink.closed) return;
          if (queued + events.length > MAX_QUEUED_EVENTS) return finish();
          for (const { event, data } of events) {
            queued++;
            write(async () => {
              await stream.writeSSE({ event, data: JSON.stringify(data) });
              queued--;
            });
          }
        },
        end() {
          if (sink.closed) return;
          sink.closed = true;
          // Let what is queued reach the client before the stream closes.
          void writing.then(finish);
        },
      };
      const heartbeat = setInterval(() => write(() => stream.write(": heartbeat\n\n")), options.heartbeatMs ?? HEARTBEAT_MS);
      signal.addEventListener("abort", finish);
      stream.onAbort(finish);
      if (signal.aborted) return finish();
      leave = subscribe(sink);
      if (finished) leave();
    });
  });
}
