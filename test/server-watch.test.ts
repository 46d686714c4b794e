// Watch streams over a real socket: snapshot-then-live semantics while a run executes, coalescing of a large
// fan-out, the run-list stream, heartbeats, and cleanup when a client disconnects or the server stops.
import { rmSync } from "node:fs";
import path from "node:path";
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { describe, expect, it } from "vitest";
import { FolderBlobStore } from "../src/blob/index.js";
import { LocalEngine } from "../src/engine/index.js";
import { createApi, inProcessCatalog, WatchHub } from "../src/server/index.js";
import { openSqliteStore } from "../src/store/index.js";
import { openGate } from "./fixtures/server/tasks.js";
import { tempDir } from "./support/local-dir.js";
import { sseEvents, startTestServer, useTestServer, type SseEvent, type TestServer } from "./support/server.js";

const ctx = useTestServer();

async function startRun(server: TestServer, task: string, inputs: unknown[]): Promise<string> {
  const response = await server.json("/v1/runs", { method: "POST", body: { task, inputs } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.run.name as string;
}

async function watch(server: TestServer, pathname: string, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>> {
  const response = await server.fetch(pathname, signal ? { signal } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return sseEvents(response);
}

/** Reads events until `end` (after `seen`, already read), merging snapshot and updates into each action's latest state. */
async function follow(
  events: AsyncGenerator<SseEvent>,
  seen: ReadonlyArray<SseEvent | undefined> = [],
): Promise<{ names: string[]; actions: Map<string, any>; run: any; updates: number }> {
  const names: string[] = [];
  const actions = new Map<string, any>();
  let run: any;
  let updates = 0;
  async function* all(): AsyncGenerator<SseEvent> {
    for (const event of seen) if (event) yield event;
    yield* events;
  }
  for await (const { event, data } of all()) {
    if (event === ":") continue;
    names.push(event);
    if (event === "snapshot") {
      run = data.run;
      for (const action of data.actions) actions.set(action.name, action);
    } else if (event === "action") {
      for (const action of data.actions) actions.set(action.name, action);
      updates += data.actions.length;
    } else if (event === "run" || event === "end") {
      run = data.run;
    }
    if (event === "end") break;
  }
  return { names, actions, run, updates };
}

describe("GET /v1/runs/:name/watch", () => {
  it("gives a second client a snapshot, then live action events while the run executes, then end", async () => {
    const name = await startRun(ctx.server, "srv.gated", ["live-watch", 3]);
    const [first, second] = [await watch(ctx.server, `/v1/runs/${name}/watch`), await watch(ctx.server, `/v1/runs/${name}/watch`)];
    const snapshot = await second.next();
    expect(snapshot.value?.event).toBe("snapshot");
    expect(snapshot.value?.data.run).toMatchObject({ name, phase: "running" });
    expect(snapshot.value?.data.actions[0]).toMatchObject({ name: "a0", phase: "running" });
    openGate("live-watch");
    const [a, b] = await Promise.all([follow(first), follow(second, [snapshot.value])]);
    for (const seen of [a, b]) {
      expect(seen.names.at(-1)).toBe("end");
      expect(seen.names).toContain("action");
      expect(seen.run).toMatchObject({ name, phase: "succeeded" });
      expect(seen.actions.size).toBe(7);
      expect([...seen.actions.values()].every((action) => action.phase === "succeeded")).toBe(true);
    }
    // The second client saw the run running, so the three children after the gate reached it as live events.
    expect(b.names.slice(0, 2)).toEqual(["snapshot", "action"]);
  });

  it("sends snapshot and end at once for a run that already ended", async () => {
    const name = await startRun(ctx.server, "srv.add", [1, 1]);
    const after = await ctx.server.json(`/v1/runs/${name}`);
    if (after.body.run.phase === "running") await follow(await watch(ctx.server, `/v1/runs/${name}/watch`));
    const seen = await follow(await watch(ctx.server, `/v1/runs/${name}/watch`));
    expect(seen.names).toEqual(["snapshot", "end"]);
    expect(seen.run.phase).toBe("succeeded");
  });

  it("coalesces a 2,000-action fan-out into far fewer events than actions", async () => {
    const name = await startRun(ctx.server, "srv.fanOut", ["fan-2000", 2000]);
    const events = await watch(ctx.server, `/v1/runs/${name}/watch`);
    const first = await events.next();
    expect(first.value?.event).toBe("snapshot");
    openGate("fan-2000");
    const seen = await follow(events, [first.value]);
    expect(seen.run.phase).toBe("succeeded");
    expect(seen.actions.size).toBe(2001);
    expect([...seen.actions.values()].every((action) => action.phase === "succeeded")).toBe(true);
    // Each action changes at least twice (inserted, succeeded): 4,000+ changes arrive as a few batched events.
    expect(seen.updates).toBeGreaterThanOrEqual(2000);
    expect(seen.names.length).toBeLessThan(2000 / 4);
  });
});

describe("GET /v1/watch/runs", () => {
  it("streams a snapshot of the run list, then every run that changes", async () => {
    const events = await watch(ctx.server, "/v1/watch/runs?limit=5");
    const snapshot = await events.next();
    expect(snapshot.value?.event).toBe("snapshot");
    expect(Array.isArray(snapshot.value?.data.runs)).toBe(true);
    const name = await startRun(ctx.server, "srv.add", [5, 5]);
    for await (const { event, data } of events) {
      if (event !== "runs") continue;
      const run = data.runs.find((r: any) => r.name === name);
      if (run?.phase === "succeeded") {
        expect(run.outputs).toBe(10);
        break;
      }
    }
    await events.return(undefined);
  });

  it("rejects a bad query with 400", async () => {
    const response = await ctx.server.json("/v1/watch/runs?phase=bogus");
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe("phase");
  });
});

describe("stream lifetime", () => {
  it("sends heartbeats, and drops the feed and the engine observer when the client disconnects", async () => {
    const dir = tempDir("flyte-watch-");
    const engine = new LocalEngine(openSqliteStore(path.join(dir, "server.db")), new FolderBlobStore(path.join(dir, "data")));
    const { gated } = await import("./fixtures/server/tasks.js");
    const { taskTemplateOf } = await import("../src/sdk/index.js");
    const hub = new WatchHub(engine, { log: () => {} });
    const app = createApi({ engine, authToken: undefined, hub, heartbeatMs: 20, catalog: inProcessCatalog([taskTemplateOf(gated)!], () => undefined), log: () => {} });
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server)) as Server;
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const created = await fetch(`${url}/v1/runs`, { method: "POST", body: JSON.stringify({ task: "srv.gated", inputs: ["disconnect", 1] }) });
      const { run } = (await created.json()) as { run: { name: string } };
      const controller = new AbortController();
      const events = sseEvents(await fetch(`${url}/v1/runs/${run.name}/watch`, { signal: controller.signal }));
      expect((await events.next()).value?.event).toBe("snapshot");
      expect((await events.next()).value?.event).toBe(":");
      expect(hub.activeFeeds).toBe(1);
      controller.abort();
      await events.return(undefined).catch(() => undefined);
      for (let i = 0; i < 200 && hub.activeFeeds > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(hub.activeFeeds).toBe(0);
      expect(hub.observing).toBe(false);
      openGate("disconnect");
      while (((await (await fetch(`${url}/v1/runs/${run.name}`)).json()) as any).run.phase === "running") {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      hub.close();
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      });
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ends open streams when the server closes", async () => {
    const server = await startTestServer();
    try {
      const name = await startRun(server, "srv.gated", ["closing", 1]);
      const events = await watch(server, `/v1/runs/${name}/watch`);
      expect((await events.next()).value?.event).toBe("snapshot");
      await server.server.close();
      const rest: string[] = [];
      for await (const { event } of events) rest.push(event);
      expect(rest.filter((event) => event !== ":")).not.toContain("end");
    } finally {
      openGate("closing");
      await server.close();
    }
  });
});
