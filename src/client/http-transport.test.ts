// HttpTransport against plain node:http servers on port 0: requests share one kept-alive connection, a GET on a
// kept-alive connection the server dropped is sent again on a new one (a POST is not), an endpoint's own path
// prefixes every request, streamed bodies arrive as they are written and stop when the reader stops, an aborted
// signal ends a stream with its reason, and a connection silent past the idle timeout fails its request.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport } from "./http-transport.js";

const servers: http.Server[] = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(handler: http.RequestListener): Promise<{ transport: HttpTransport; sockets: Set<Socket>; port: number }> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => sockets.add(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const transport = new HttpTransport(`http://127.0.0.1:${port}`);
  transports.push(transport);
  return { transport, sockets, port };
}

const get = (path: string): { method: string; path: string; headers: Record<string, string> } => ({ method: "GET", path, headers: {} });

describe("HttpTransport", () => {
  it("sends JSON bodies with their length and keeps one connection for requests one after another", async () => {
    const seen: string[] = [];
    const { transport, sockets } = await listen((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        seen.push(`${request.method} ${request.url} ${request.headers["content-length"] ?? "-"} ${body}`);
        response.writeHead(request.url === "/missing" ? 404 : 200, { "content-type": "application/json" }).end(JSON.stringify({ body }));
      });
    });
    const reply = await transport.send({ method: "POST", path: "/runs?wait=5", headers: { "content-type": "application/json" }, body: '{"a":"é"}' });
    expect(reply).toEqual({ status: 200, ok: true, text: JSON.stringify({ body: '{"a":"é"}' }) });
    expect(await transport.send(get("/missing"))).toMatchObject({ status: 404, ok: false });
    await transport.send(get("/again"));
    expect(seen).toEqual(['POST /runs?wait=5 10 {"a":"é"}', "GET /missing - ", "GET /again - "]);
    expect(sockets.size).toBe(1);
  });

  it("sends a GET again on a new connection when the kept-alive one was dropped before it was read, not a POST", async () => {
    let requests = 0;
    const { transport, sockets } = await listen((request, response) => {
      requests++;
      // The second request on the first connection: drop it unread, as a server whose idle timeout just fired does.
      if (requests === 2) {
        request.socket.destroy();
        return;
      }
      response.end(`answer ${requests}`);
    });
    expect((await transport.send(get("/one"))).text).toBe("answer 1");
    expect((await transport.send(get("/two"))).text).toBe("answer 3");
    expect(sockets.size).toBe(2);
    // A POST may have been acted on by a server that died reading it: the caller decides whether to repeat it.
    requests = 1;
    await expect(transport.send({ method: "POST", path: "/three", headers: {}, body: "{}" })).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(requests).toBe(2);
  });

  it("puts an endpoint's own path (a server behind a proxy) before every request's path", async () => {
    const { port } = await listen((request, response) => response.end(request.url));
    const prefixed = new HttpTransport(`http://127.0.0.1:${port}/flyte/`);
    transports.push(prefixed);
    expect((await prefixed.send(get("/v1/health?x=1"))).text).toBe("/flyte/v1/health?x=1");
  });

  it("fails a request whose connection stays silent past the idle timeout, streamed or not", async () => {
    const { port } = await listen((request, response) => {
      // Headers, then nothing, for /stream; nothing at all otherwise.
      if (request.url === "/stream") response.writeHead(200, { "content-type": "text/event-stream" }).write(":\n\n");
    });
    const impatient = new HttpTransport(`http://127.0.0.1:${port}`, { idleTimeoutMs: 200 });
    transports.push(impatient);
    await expect(impatient.send(get("/hang"))).rejects.toMatchObject({ code: "ETIMEDOUT", message: expect.stringContaining("no answer") });
    const stream = await impatient.stream(get("/stream"));
    const reading = (async () => {
      for await (const _chunk of stream.body);
    })();
    await expect(reading).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });

  it("fails with the socket's error code when nothing listens", async () => {
    const transport = new HttpTransport("http://127.0.0.1:1");
    transports.push(transport);
    await expect(transport.send(get("/"))).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("streams a body as it is written; a reader that stops closes the connection", async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const { transport } = await listen((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("first");
      request.socket.on("close", closed);
      // Nothing more until the reader has gone: the stream would otherwise stay open.
    });
    const stream = await transport.stream(get("/watch"));
    for await (const chunk of stream.body) {
      expect(Buffer.from(chunk).toString()).toBe("first");
      break;
    }
    await connectionClosed;
  });

  it("ends a stream with the signal's reason when it aborts", async () => {
    const { transport } = await listen((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("first");
    });
    const controller = new AbortController();
    const stream = await transport.stream({ ...get("/watch"), signal: controller.signal });
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream.body) {
        chunks.push(Buffer.from(chunk).toString());
        controller.abort();
      }
    })();
    const error = await reading.then(() => undefined, (e: unknown) => e);
    expect(error).toBeDefined();
    expect(error).toBe(controller.signal.reason);
    expect(chunks).toEqual(["first"]);
  });
});
