// FlyteClient against an in-process server on port 0: every method returns RunStore-shaped records, and API
// errors map to Flyte error classes (404, 400, 409), 401 to a token hint, a refused connection (or a watch stream
// that drops) to a server hint.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { FlyteApiError, FlyteClient, ServerUnreachableError, UnauthorizedError, type RunWatchEvent } from "../src/client/index.js";
import { InvalidOptionError, RunNotFoundError, TaskNotFoundError } from "../src/errors/index.js";
import { openGate } from "./fixtures/server/tasks.js";
import { TEST_TOKEN, useTestServer } from "./support/server.js";

const ctx = useTestServer();
const client = (): FlyteClient => new FlyteClient({ endpoint: ctx.server.url, token: TEST_TOKEN });

async function waitDone(name: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (["succeeded", "failed", "aborted", "timed_out"].includes((await client().getRun(name)).phase)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`run ${name} did not end`);
}

describe("FlyteClient", () => {
  it("checks health and lists tasks", async () => {
    expect(await client().health()).toMatchObject({ ok: true });
    const tasks = await client().listTasks();
    expect(tasks.map((t) => t.id)).toContain("srv.add");
    expect(tasks.find((t) => t.id === "srv.add")?.inputs).toEqual([{ name: "a" }, { name: "b" }]);
  });

  it("creates a run and reads it, its actions, attempts and logs as store records", async () => {
    const started = await client().createRun({ task: "srv.add", inputs: [2, 3], name: "client-add", labels: { team: "ml" } });
    expect(started).toMatchObject({ name: "client-add", taskName: "srv.add", inputs: "[2,3]", labels: { team: "ml" } });
    await waitDone("client-add");
    const run = await client().getRun("client-add");
    expect(run).toMatchObject({ phase: "succeeded", outputs: "5", error: null });
    const actions = await client().listActions("client-add");
    expect(actions.map((a) => a.name)).toEqual(["a0"]);
    expect(actions[0]).toMatchObject({ inputs: "[2,3]", outputs: "5", parentName: null });
    expect(await client().listActions("client-add", { parent: "a0" })).toEqual([]);
    const { action, attempts } = await client().getAction("client-add", "a0");
    expect(action.phase).toBe("succeeded");
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, phase: "succeeded", actionName: "a0" })]);
    const logs = await client().getLogs("client-add");
    expect(logs.map((l) => l.text.trim())).toContain("adding 2 and 3");
    expect((await client().getLogs("client-add", "a0", 1)).length).toBe(logs.length);
    const page = await client().listRuns({ limit: 1 });
    expect(page.runs).toHaveLength(1);
    expect((await client().listRuns({ phase: "succeeded" })).runs.map((r) => r.name)).toContain("client-add");
  });

  it("with waitMs, answers once the run has ended, with its outputs", async () => {
    const run = await client().createRun({ task: "srv.add", inputs: [4, 5], name: "client-wait" }, { waitMs: 30_000 });
    expect(run).toMatchObject({ name: "client-wait", phase: "succeeded", outputs: "9", error: null });
    expect(run.endedAt).not.toBeNull();
  });

  it("reads a report as HTML and maps a missing one to REPORT_NOT_FOUND", async () => {
    await client().createRun({ task: "srv.reporter", inputs: ["Hello"], name: "client-report" });
    await waitDone("client-report");
    expect(await client().getReport("client-report", "a0")).toContain("<h1>Hello</h1>");
    const error = await client().getReport("client-add", "a0").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlyteApiError);
    expect(error).toMatchObject({ code: "REPORT_NOT_FOUND", status: 404 });
  });

  it("watches a run to its end and aborts a running one", async () => {
    await client().createRun({ task: "srv.gated", inputs: ["client-watch", 2], name: "client-watch" });
    const controller = new AbortController();
    const events: RunWatchEvent[] = [];
    for await (const event of client().watchRun("client-watch", { signal: controller.signal })) {
      events.push(event);
      if (event.event === "snapshot") openGate("client-watch");
      if (event.event === "end") break;
    }
    expect(events[0]?.event).toBe("snapshot");
    expect(events[0]?.run?.name).toBe("client-watch");
    expect(events.at(-1)).toMatchObject({ event: "end", run: { phase: "succeeded", outputs: "14" } });

    await client().createRun({ task: "srv.gated", inputs: ["client-never", 1], name: "client-abort" });
    const aborting = await client().abortRun("client-abort", "test abort");
    expect(aborting.name).toBe("client-abort");
    await waitDone("client-abort");
    expect(await client().getRun("client-abort")).toMatchObject({ phase: "aborted" });
    const again = await client().abortRun("client-abort").catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "RUN_ALREADY_ENDED", status: 409 });
  });

  it("maps API errors to Flyte error classes by code", async () => {
    await expect(client().getRun("no-such-run")).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(client().createRun({ task: "srv.nope", inputs: [] })).rejects.toBeInstanceOf(TaskNotFoundError);
    const bad = await client().createRun({ task: "not a task id", inputs: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FlyteApiError);
    expect(bad).toMatchObject({ code: "INVALID_REQUEST", status: 400, field: "task", kind: "user" });
    await expect(client().getAction("client-add", "a9")).rejects.toMatchObject({ code: "ACTION_NOT_FOUND", status: 404 });
    await expect(client().listRuns({ limit: 0 })).rejects.toMatchObject({ code: "INVALID_REQUEST", field: "limit" });
  });

  it("says how to pass the token on 401, whether it is missing or wrong", async () => {
    const missing = await new FlyteClient({ endpoint: ctx.server.url }).listRuns().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnauthorizedError);
    expect((missing as Error).message).toMatch(/none was sent.*FLYTE_API_TOKEN/);
    const wrong = await new FlyteClient({ endpoint: ctx.server.url, token: "wrong" }).getRun("x").catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect((wrong as Error).message).toMatch(/wrong.*FLYTE_API_TOKEN/);
  });

  it("names the endpoint and suggests flyte start server when nothing listens", async () => {
    const endpoint = "http://127.0.0.1:1";
    const error = await new FlyteClient({ endpoint }).health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toMatch(/http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\).*flyte start server/);
  });

  it("fails a watch stream whose connection drops mid-way as the server being unreachable", async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(`event: snapshot\ndata: {"actions":[]}\n\n`, () => setTimeout(() => response.socket?.destroy(), 20));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of new FlyteClient({ endpoint }).watchRun("r1")) seen.push(event.event);
      })().catch((e: unknown) => e);
      expect(seen).toEqual(["snapshot"]);
      expect(error).toBeInstanceOf(ServerUnreachableError);
      expect((error as Error).message).toContain(endpoint);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("rejects an endpoint that is not an http(s) URL", () => {
    expect(() => new FlyteClient({ endpoint: "localhost:8090" })).toThrow(InvalidOptionError);
    expect(new FlyteClient({ endpoint: "http://h:1/" }).endpoint).toBe("http://h:1");
  });
});
