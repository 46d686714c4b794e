// `flyte start server` as a real process (bin/flyte.js) on port 0: token handling, where it keeps its state (a
// database password never printed), a run through the API, and a clean stop on SIGTERM/SIGINT even with a watch
// stream open; refusing unauthenticated serving off loopback.
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, spawnFlyte } from "./support/cli.js";
import { until } from "./support/process.js";
import { tempDir } from "./support/local-dir.js";
import { SERVER_TASKS, spawnServer, sseEvents, type ServerProcess } from "./support/server.js";

let localDir = "";
const running: ServerProcess[] = [];
beforeAll(() => {
  localDir = tempDir("flyte-server-cli-");
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop("SIGKILL")));
  rmSync(localDir, { recursive: true, force: true });
});

async function start(args: string[]): Promise<ServerProcess> {
  const server = await spawnServer(args, localDir);
  running.push(server);
  return server;
}

const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

describe("flyte start server", () => {
  it("serves health and runs with a generated token, and stops cleanly on SIGTERM with a watch open", async () => {
    const server = await start(["--load", SERVER_TASKS]);
    const token = /API token .*: (\S+)/.exec(server.stdout())?.[1];
    expect(token, server.stdout()).toBeDefined();
    const tokenFile = path.join(localDir, "server-token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    // Where its state lives, and how durably.
    const state = `runs in sqlite:${path.join(localDir, "server.db")} (--durability runs); data in file://${path.join(localDir, "data")}; tasks run in worker processes`;
    await until("the line saying where state lives", () => (server.stdout().includes(state) ? true : undefined), 10_000);

    const health = await fetch(`${server.url}/v1/health`);
    expect(await health.json()).toMatchObject({ ok: true });
    expect((await fetch(`${server.url}/v1/tasks`)).status).toBe(401);
    const tasks = (await (await fetch(`${server.url}/v1/tasks`, { headers: bearer(token!) })).json()) as { tasks: Array<{ id: string }> };
    expect(tasks.tasks.map((task) => task.id)).toContain("srv.add");

    const created = await fetch(`${server.url}/v1/runs`, {
      method: "POST",
      headers: { ...bearer(token!), "content-type": "application/json" },
      body: JSON.stringify({ task: "srv.add", inputs: [20, 22] }),
    });
    expect(created.status).toBe(201);
    const { run } = (await created.json()) as { run: { name: string } };
    let phase = "running";
    let outputs: unknown;
    while (phase === "running") {
      const current = (await (await fetch(`${server.url}/v1/runs/${run.name}`, { headers: bearer(token!) })).json()) as any;
      ({ phase, outputs } = current.run);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect({ phase, outputs }).toEqual({ phase: "succeeded", outputs: 42 });

    const watch = sseEvents(await fetch(`${server.url}/v1/watch/runs`, { headers: bearer(token!) }));
    expect((await watch.next()).value?.event).toBe("snapshot");
    const exit = await server.stop("SIGTERM");
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain("flyte server stopped");
    for await (const _event of watch) {
      // Drain: the stream must end because the server ended it.
    }
  });

  it("reuses the stored token on the next start, and stops on SIGINT", async () => {
    const server = await start([]);
    expect(server.stdout()).toContain("using the API token stored in");
    expect(server.stdout()).not.toMatch(/API token \(/);
    expect(await server.stop("SIGINT")).toEqual({ code: 0, signal: null });
  });

  it("serves without a token with --insecure-local on loopback", async () => {
    const server = await start(["--insecure-local", "--host", "127.0.0.1"]);
    const runs = await fetch(`${server.url}/v1/runs`);
    expect(runs.status).toBe(200);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it("keeps serving when whoever read its output has gone, and still stops cleanly", async () => {
    const server = await start(["--insecure-local", "--load", SERVER_TASKS]);
    server.child.stdout?.destroy();
    server.child.stderr?.destroy();
    const response = await fetch(`${server.url}/v1/runs?wait=30000`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ task: "srv.add", inputs: [1, 2] }) });
    expect(((await response.json()) as { run: { phase: string } }).run.phase).toBe("succeeded");
    // Stopping prints a last line into the closed pipe.
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it("refuses to start on the database of a server that is running, naming it, and starts once that one is killed", async () => {
    const dir = tempDir("flyte-server-claim-");
    try {
      const first = await spawnServer(["--insecure-local"], dir);
      running.push(first);
      const refused = await collect(spawnFlyte(["start", "server", "--insecure-local", "--port", "0"], { localDir: dir }));
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toContain(`another flyte server is using the run database ${path.join(dir, "server.db")}: flyte server pid ${first.child.pid} on `);
      expect(refused.stdout).not.toContain("listening on");
      // One line that says what to do, no stack.
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      // The first one never noticed.
      expect((await fetch(`${first.url}/v1/health`)).status).toBe(200);
      // The OS drops a killed server's claim: a restart right away takes it.
      await first.stop("SIGKILL");
      const second = await spawnServer(["--insecure-local"], dir);
      running.push(second);
      expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses --insecure-local on a non-loopback host, a bad port and an unknown durability, with exit 2", async () => {
    const refused = await collect(spawnFlyte(["start", "server", "--insecure-local", "--host", "0.0.0.0", "--port", "0"], { localDir }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--insecure-local.*127\.0\.0\.1.*0\.0\.0\.0/s);
    const badPort = await collect(spawnFlyte(["start", "server", "--port", "http"], { localDir }));
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("--port");
    const badDurability = await collect(spawnFlyte(["start", "server", "--durability", "sometimes"], { localDir }));
    expect(badDurability.code).toBe(2);
    expect(badDurability.stderr).toMatch(/--durability.*sometimes.*runs, full/s);
  });
});

describe("flyte start server --db postgres://", () => {
  it("keeps its runs in PostgreSQL", async () => {
    const { createTestDatabase } = await import("./support/postgres.js");
    const { openPostgresStore } = await import("../src/store/index.js");
    const database = await createTestDatabase();
    try {
      // The local server trusts every local connection, so a password in the URL is ignored, and never printed.
      const withPassword = new URL(database.url);
      withPassword.password = "s3cret";
      const server = await start(["--insecure-local", "--db", withPassword.toString(), "--load", SERVER_TASKS]);
      withPassword.password = "***";
      await until("the line saying where runs live", () => (server.stdout().includes(`runs in ${withPassword.toString()} (--durability runs)`) ? true : undefined), 10_000);
      expect(server.stdout()).not.toContain("s3cret");
      const created = await fetch(`${server.url}/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task: "srv.add", inputs: [1, 2] }),
      });
      expect(created.status).toBe(201);
      const { run } = (await created.json()) as { run: { name: string } };
      let phase = "running";
      while (phase === "running") {
        phase = ((await (await fetch(`${server.url}/v1/runs/${run.name}`)).json()) as { run: { phase: string } }).run.phase;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(phase).toBe("succeeded");
      // A second server on the same database is refused, told which session holds it.
      const refused = await collect(spawnFlyte(["start", "server", "--insecure-local", "--port", "0", "--db", database.url], { localDir }));
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`another flyte server holds the run store .*: flyte server pid ${server.child.pid} on .*SELECT pg_terminate_backend\\(\\d+\\)`, "s"));
      expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
      const store = await openPostgresStore(database.url);
      try {
        expect(await store.getRun(run.name)).toMatchObject({ phase: "succeeded", outputs: "3" });
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
});
