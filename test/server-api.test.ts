// The control plane's HTTP API, end to end over a real socket: every endpoint, its auth, and every error the API
// promises (400 naming the field, 401, 404, 409, 500 with a request id).
import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue } from "../src/io/index.js";
import type { LocalEngine } from "../src/engine/index.js";
import { createApi, MAX_BODY_BYTES } from "../src/server/index.js";
import { TEST_TOKEN, useTestServer, waitForRun } from "./support/server.js";
import { until } from "./support/process.js";

const ctx = useTestServer();

async function startRun(task: string, inputs: unknown[], extra: Record<string, unknown> = {}): Promise<any> {
  const response = await ctx.server.json("/v1/runs", { method: "POST", body: { task, inputs, ...extra } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.run;
}

describe("health, openapi and auth", () => {
  it("answers health and the OpenAPI document without a token", async () => {
    const health = await ctx.server.json("/v1/health", { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const doc = await ctx.server.json("/v1/openapi.json", { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
  });

  it("rejects a missing, wrong or malformed token with 401 on every other route", async () => {
    for (const token of [null, "wrong-token-0123456789", ""]) {
      for (const pathname of ["/v1/runs", "/v1/tasks", "/v1/runs/nope/watch", "/v1/no-such-route"]) {
        const response = await ctx.server.json(pathname, { token });
        expect(response.status, `${pathname} with ${String(token)}`).toBe(401);
        expect(response.body.error.code).toBe("UNAUTHORIZED");
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    const basic = await ctx.server.json("/v1/runs", { token: null, headers: { authorization: `Basic ${TEST_TOKEN}` } });
    expect(basic.status).toBe(401);
    const post = await ctx.server.json("/v1/runs", { method: "POST", token: "nope", body: { task: "srv.add", inputs: [1, 2] } });
    expect(post.status).toBe(401);
  });

  it("lists every registered route in the OpenAPI document", async () => {
    const { body: doc } = await ctx.server.json("/v1/openapi.json");
    const app = createApi({ engine: {} as LocalEngine, authToken: undefined });
    const routes = app.routes.filter((route) => route.method !== "ALL");
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const openApiPath = route.path.replace(/:(\w+)/g, "{$1}");
      expect(doc.paths[openApiPath]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    // And nothing documented is missing from the app (Hono answers HEAD with the GET route of the path).
    const registered = new Set(routes.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`));
    for (const [pathname, operations] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(operations)) {
        const served = method === "head" ? "GET" : method.toUpperCase();
        expect(registered, `${method} ${pathname}`).toContain(`${served} ${pathname}`);
      }
    }
  });
});

describe("runs", () => {
  it("starts a run, returns the stored record, and serves its outcome", async () => {
    const run = await startRun("srv.add", [2, 3], { labels: { team: "ml" }, project: "p1", domain: "dev" });
    expect(run).toMatchObject({ taskName: "srv.add", project: "p1", domain: "dev", labels: { team: "ml" }, inputs: [2, 3] });
    expect(run.name).toMatch(/^r[a-z0-9]+$/);
    const done = await waitForRun(ctx.server, run.name);
    expect(done).toMatchObject({ phase: "succeeded", outputs: 5, error: null });
    const again = await ctx.server.json(`/v1/runs/${run.name}`);
    expect(again.body.run).toEqual(done);
  });

  it("answers a POST that waits with exactly the record GET serves next, however the run ended", async () => {
    const post = (body: unknown) => ctx.server.json("/v1/runs?wait=30000", { method: "POST", body });
    const served = async (run: { name: string }) => (await ctx.server.json(`/v1/runs/${run.name}`)).body.run;
    const ok = (await post({ task: "srv.add", inputs: [1, 2] })).body.run;
    expect(ok).toMatchObject({ phase: "succeeded", outputs: 3, error: null, abortRequested: null });
    expect(await served(ok)).toEqual(ok);
    const failed = (await post({ task: "srv.fails", inputs: ["no luck"] })).body.run;
    expect(failed).toMatchObject({ phase: "failed", outputs: null, error: { message: expect.stringContaining("no luck") } });
    expect(await served(failed)).toEqual(failed);
    // Aborted by another request while this one waits.
    const waiting = post({ task: "srv.gated", inputs: ["never-opened", 1], name: "aborted-while-waited-for" });
    await until("the run to exist", async () => ((await ctx.server.json("/v1/runs/aborted-while-waited-for")).status === 200 ? true : undefined));
    expect((await ctx.server.json("/v1/runs/aborted-while-waited-for/abort", { method: "POST", body: { reason: "enough" } })).status).toBe(202);
    const aborted = (await waiting).body.run;
    expect(aborted).toMatchObject({ phase: "aborted", error: { message: expect.stringContaining("enough") } });
    expect(await served(aborted)).toEqual(aborted);
  });

  it("decodes codec-tagged inputs (a Date) and honours a chosen run name", async () => {
    const inputs = JSON.parse(encodeValue([new Date("2024-05-01T00:00:00Z")])) as unknown[];
    const run = await startRun("srv.year", inputs, { name: "dated-run" });
    expect(run.name).toBe("dated-run");
    expect(decodeValue(JSON.stringify(run.inputs))).toEqual([new Date("2024-05-01T00:00:00Z")]);
    expect((await waitForRun(ctx.server, "dated-run")).outputs).toBe(2024);
    const duplicate = await ctx.server.json("/v1/runs", { method: "POST", body: { task: "srv.year", inputs, name: "dated-run" } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatchObject({ code: "RUN_EXISTS", field: "name" });
  });

  it("lists runs newest first with paging and a phase filter", async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await startRun("srv.add", [i, i])).name);
    for (const name of names) await waitForRun(ctx.server, name);
    const first = await ctx.server.json("/v1/runs?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.runs.map((run: any) => run.name)).toEqual([names[2], names[1]]);
    expect(first.body.nextOffset).toBe(2);
    const second = await ctx.server.json("/v1/runs?limit=2&offset=2");
    expect(second.body.runs[0].name).toBe(names[0]);
    const all = await ctx.server.json("/v1/runs?limit=1000");
    expect(all.body.nextOffset).toBeNull();
    const succeeded = await ctx.server.json("/v1/runs?phase=succeeded&limit=1000");
    expect(succeeded.body.runs.length).toBeGreaterThanOrEqual(3);
    expect(succeeded.body.runs.every((run: any) => run.phase === "succeeded")).toBe(true);
  });

  it("aborts a running run (202), and refuses to abort an ended one (409)", async () => {
    const run = await startRun("srv.gated", ["never-opened", 2]);
    const aborted = await ctx.server.json(`/v1/runs/${run.name}/abort`, { method: "POST", body: { reason: "test says stop" } });
    expect(aborted.status).toBe(202);
    expect((await waitForRun(ctx.server, run.name)).phase).toBe("aborted");
    const again = await ctx.server.json(`/v1/runs/${run.name}/abort`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("RUN_ALREADY_ENDED");
  });
});

describe("actions, logs and reports", () => {
  it("serves a run's actions, children, one action with attempts, and logs", async () => {
    const run = await startRun("srv.gated", ["open-for-actions", 2]);
    const { openGate } = await import("./fixtures/server/tasks.js");
    openGate("open-for-actions");
    await waitForRun(ctx.server, run.name);
    const actions = await ctx.server.json(`/v1/runs/${run.name}/actions`);
    expect(actions.body.actions).toHaveLength(5);
    expect(actions.body.actions[0]).toMatchObject({ name: "a0", parentName: null, phase: "succeeded" });
    const children = await ctx.server.json(`/v1/runs/${run.name}/actions?parent=a0`);
    expect(children.body.actions).toHaveLength(4);
    const leaf = children.body.actions[0].name as string;
    expect((await ctx.server.json(`/v1/runs/${run.name}/actions?parent=${leaf}`)).body.actions).toEqual([]);
    const one = await ctx.server.json(`/v1/runs/${run.name}/actions/a0`);
    expect(one.body.action).toMatchObject({ name: "a0", taskName: "srv.gated", inputs: ["open-for-actions", 2] });
    expect(one.body.attempts).toEqual([expect.objectContaining({ attempt: 1, phase: "succeeded" })]);

    const added = await startRun("srv.add", [40, 2]);
    await waitForRun(ctx.server, added.name);
    const runLogs = await ctx.server.json(`/v1/runs/${added.name}/logs`);
    expect(runLogs.body.logs.map((log: any) => log.text).join("")).toContain("adding 40 and 2");
    const actionLogs = await ctx.server.json(`/v1/runs/${added.name}/actions/a0/logs?attempt=1`);
    expect(actionLogs.body.logs).toEqual([expect.objectContaining({ actionName: "a0", attempt: 1, stream: "stdout" })]);
    expect((await ctx.server.json(`/v1/runs/${added.name}/actions/a0/logs?attempt=2`)).body.logs).toEqual([]);
  });

  it("serves an action's HTML report, sandboxed", async () => {
    const run = await startRun("srv.reporter", ["Quarterly numbers"]);
    await waitForRun(ctx.server, run.name);
    const response = await ctx.server.fetch(`/v1/runs/${run.name}/actions/a0/report`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("sandbox");
    expect(await response.text()).toContain("<h1>Quarterly numbers</h1>");
    const none = await ctx.server.json(`/v1/runs/${(await startRun("srv.add", [1, 1])).name}/actions/a0/report`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe("REPORT_NOT_FOUND");
  });
});

describe("tasks", () => {
  it("lists the loaded tasks and serves one by id", async () => {
    const list = await ctx.server.json("/v1/tasks");
    const ids = list.body.tasks.map((task: any) => task.id);
    expect(ids).toEqual(["srv.add", "srv.fails", "srv.fanOut", "srv.gated", "srv.reporter", "srv.square", "srv.year"]);
    const add = await ctx.server.json("/v1/tasks/srv.add");
    expect(add.body.task).toMatchObject({ id: "srv.add", name: "add", env: "srv", inputs: [{ name: "a" }, { name: "b" }] });
    const missing = await ctx.server.json("/v1/tasks/srv.nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("TASK_NOT_FOUND");
  });
});

describe("bad requests", () => {
  const post = (body: unknown) => ctx.server.json("/v1/runs", { method: "POST", body });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const response = await post("{ not json");
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: "MALFORMED_JSON", field: "body" });
  });

  it("names the missing, mistyped or unknown field", async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ inputs: [] }, "task", /task.*required/],
      [{ task: "srv.add" }, "inputs", /inputs.*required/],
      [{ task: 42, inputs: [] }, "task", /task.*string.*number 42/],
      [{ task: "srv.add", inputs: "1,2" }, "inputs", /inputs.*array/],
      [{ task: "srv.add", inputs: [], name: "Bad Name" }, "name", /name.*lowercase/],
      [{ task: "srv.add", inputs: [], labels: { team: 7 } }, "labels.team", /labels\.team.*string/],
      [{ task: "srv.add", inputs: [], taks: "x" }, "taks", /taks.*not a known field/],
      [{ task: "srv.add", inputs: [{ $t: "nonsense", v: 1 }] }, "inputs", /inputs/],
      [[1, 2], "body", /JSON object/],
    ];
    for (const [body, field, message] of cases) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.field, JSON.stringify(body)).toBe(field);
      expect(response.body.error.message).toMatch(message);
    }
    for (const query of ["limit=0", "limit=abc", "offset=-1", "phase=sleeping"]) {
      const response = await ctx.server.json(`/v1/runs?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.field).toBe(query.split("=")[0]);
    }
  });

  it("refuses a body over the size limit with 413", async () => {
    const response = await post(`{"task":"srv.add","inputs":["${"x".repeat(MAX_BODY_BYTES)}"]}`);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ code: "BODY_TOO_LARGE", field: "body" });
  });

  it("refuses a body streamed without a length once it goes over the size limit", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x78);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES) controller.close();
        else controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const response = await fetch(`${ctx.server.url}/v1/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.server.token}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    // The rest of the body is left unread, so the connection must not be reused.
    expect(response.headers.get("connection")).toBe("close");
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: "BODY_TOO_LARGE", field: "body" });
  });

  it("answers unknown runs, actions, tasks and routes with 404", async () => {
    const cases: Array<[string, string, RequestInit?]> = [
      ["/v1/runs/no-such-run", "RUN_NOT_FOUND"],
      ["/v1/runs/no-such-run/actions", "RUN_NOT_FOUND"],
      ["/v1/runs/no-such-run/logs", "RUN_NOT_FOUND"],
      ["/v1/runs/no-such-run/watch", "RUN_NOT_FOUND"],
      ["/v1/runs/no-such-run/abort", "RUN_NOT_FOUND", { method: "POST" }],
      ["/v1/nothing-here", "NOT_FOUND"],
    ];
    const run = await startRun("srv.add", [1, 2]);
    cases.push([`/v1/runs/${run.name}/actions/zz`, "ACTION_NOT_FOUND"], [`/v1/runs/${run.name}/actions?parent=zz`, "ACTION_NOT_FOUND"]);
    for (const [pathname, code, init] of cases) {
      const response = await ctx.server.json(pathname, init ?? {});
      expect(response.status, pathname).toBe(404);
      expect(response.body.error.code, pathname).toBe(code);
    }
    const task = await post({ task: "srv.unknown", inputs: [] });
    expect(task.status).toBe(404);
    expect(task.body.error).toMatchObject({ code: "TASK_NOT_FOUND", message: expect.stringContaining("srv.add") });
  });

  it("answers an unexpected failure with 500 and a request id that the log names", async () => {
    const logs: string[] = [];
    const broken = { store: { getRun: () => Promise.reject(new Error("disk on fire")) } } as unknown as LocalEngine;
    const app = createApi({ engine: broken, authToken: undefined, log: (line) => logs.push(line) });
    const response = await app.request("/v1/runs/anything");
    expect(response.status).toBe(500);
    const body = (await response.json()) as any;
    expect(body.error.code).toBe("INTERNAL");
    expect(body.error.message).not.toContain("disk on fire");
    expect(response.headers.get("x-request-id")).toBe(body.error.requestId);
    expect(logs.join("\n")).toContain(body.error.requestId);
    expect(logs.join("\n")).toContain("disk on fire");
  });
});
