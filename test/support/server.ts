// Test harness for the control plane: starts the server in this process on port 0 with a temp state folder (or
// as a real `flyte start server` process), offers authenticated JSON requests and an SSE reader, and always
// cleans up: servers closed, processes killed, folders removed.
import { readSse } from "../../src/client/sse.js";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { CodeStore, startServer, type CodeUpload, type RunningServer, type ServerOptions } from "../../src/server/index.js";
import { REPO_ROOT, spawnFlyte } from "./cli.js";
import { tempDir } from "./local-dir.js";

export const SERVER_TASKS = path.join(REPO_ROOT, "test/fixtures/server/tasks.ts");
export const TEST_TOKEN = "test-token-0123456789abcdef";

export interface JsonResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export type JsonInit = Omit<RequestInit, "body"> & { token?: string | null; body?: unknown };

export interface TestServer {
  readonly url: string;
  readonly token: string | undefined;
  readonly localDir: string;
  readonly server: RunningServer;
  /** Lines the server logged (unexpected errors). */
  readonly logs: string[];
  /** fetch against the server with the token; `token: null` sends none. */
  fetch(pathname: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** JSON request: an object `body` is sent as JSON, a string as is (malformed-JSON tests). */
  json<T = any>(pathname: string, init?: JsonInit): Promise<JsonResponse<T>>;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const localDir = tempDir("flyte-server-");
  const logs: string[] = [];
  let server: RunningServer;
  try {
    server = await startServer({
      port: 0,
      host: "127.0.0.1",
      localDir,
      authToken: TEST_TOKEN,
      load: [SERVER_TASKS],
      // The fixture's gates are shared with the test through the process, so its tasks run in it.
      executor: "inline",
      out: () => {},
      log: (line) => logs.push(line),
      ...options,
    });
  } catch (error) {
    rmSync(localDir, { recursive: true, force: true });
    throw error;
  }
  const doFetch = (pathname: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
    const { token = server.token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null && token !== undefined) headers.set("authorization", `Bearer ${token}`);
    return fetch(`${server.url}${pathname}`, { ...rest, headers });
  };
  return {
    url: server.url,
    token: server.token,
    localDir,
    server,
    logs,
    fetch: doFetch,
    async json(pathname, init = {}) {
      const { body, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
      const text = typeof body === "string" || body === undefined ? body : JSON.stringify(body);
      const response = await doFetch(pathname, { ...rest, headers, ...(text === undefined ? {} : { body: text }) });
      const raw = await response.text();
      return { status: response.status, headers: response.headers, body: raw === "" ? undefined : JSON.parse(raw) };
    },
    async close() {
      await server.close();
      rmSync(localDir, { recursive: true, force: true });
    },
  };
}

/** Counts the bundles the server stores, so a test can tell an upload from a skipped one. */
export class CountingCodeStore extends CodeStore {
  stored = 0;
  override async put(bundle: CodeUpload): Promise<boolean> {
    const created = await super.put(bundle);
    if (created) this.stored++;
    return created;
  }
}

/** One in-process server for the whole test file. */
export function useTestServer(options: Partial<ServerOptions> = {}): { readonly server: TestServer } {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(options);
  });
  afterAll(async () => {
    await current?.close();
  });
  return {
    get server(): TestServer {
      if (!current) throw new Error("the test server is not started yet");
      return current;
    },
  };
}

export interface SseEvent {
  /** The event name, or ":" for a comment line (heartbeat). */
  readonly event: string;
  readonly data: any;
}

/** Parses a text/event-stream response into events (JSON data) and comments, until the stream ends. */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  yield* readSse(response.body, { comments: true });
}

/** Polls GET /v1/runs/:name until the run is terminal; returns it. */
export async function waitForRun(server: TestServer, name: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await server.json(`/v1/runs/${name}`);
    if (["succeeded", "failed", "aborted", "timed_out"].includes(body.run.phase)) return body.run;
    if (Date.now() > deadline) throw new Error(`run ${name} is still ${body.run.phase} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly localDir: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with how the process exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `flyte start server ARGS` as a real process and waits for its "listening on" line. */
export async function spawnServer(
  args: readonly string[],
  localDir: string,
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawnFlyte(["start", "server", "--port", "0", ...args], { localDir, env });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => setImmediate(() => resolve({ code, signal }))),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`flyte start server did not listen within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    const check = (): void => {
      const match = /flyte server listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`flyte start server exited (${code ?? signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
  return {
    child,
    url,
    localDir,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
