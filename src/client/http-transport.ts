// The client's HTTP: node:http(s) with one keep-alive agent per client instead of global fetch. Here fetch took
// ~40 ms to load for a process's first request and about three times the CPU of node:http per request while warm
// (bench/remote.ts W4), which every CLI command and every worker host's report paid. Bodies are JSON text one way
// and either read whole or streamed (watch streams) the other.
import http from "node:http";
import https from "node:https";

/** A response read to its end. */
export interface HttpReply {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
}

/** A response whose body is read as it arrives; breaking out of `body` closes the connection, and so does the
 *  request's signal, which then fails the read with its reason (as fetch does). */
export interface HttpStream {
  readonly status: number;
  readonly ok: boolean;
  readonly body: AsyncIterable<Uint8Array>;
  /** Reads the rest of the body as text (for the error of a refused request). */
  text(): Promise<string>;
}

export interface HttpRequest {
  readonly method: string;
  /** Path and query, e.g. /v1/runs?limit=5. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
/**
 * A connection silent this long fails its request (fetch's own default): a server that hangs, or a connection
 * that died without a reset, does not hang its caller forever. Watch streams send a heartbeat every 15 s, and a
 * request's `?wait` is at most 60 s, so neither comes near it.
 */
const IDLE_TIMEOUT_MS = 300_000;

export class HttpTransport {
  readonly #url: URL;
  readonly #module: typeof http | typeof https;
  // Idle keep-alive sockets are unref'd by the agent, so a client left open never keeps its process alive.
  readonly #agent: http.Agent;
  readonly #idleTimeoutMs: number;

  constructor(endpoint: string, options: { idleTimeoutMs?: number } = {}) {
    this.#idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.#url = new URL(endpoint);
    this.#module = this.#url.protocol === "https:" ? https : http;
    this.#agent = new this.#module.Agent({ keepAlive: true });
  }

  /** One request whose response is read whole; any status is returned, only a failure to get one throws. */
  async send(request: HttpRequest): Promise<HttpReply> {
    const response = await this.#open(request);
    return { status: response.statusCode ?? 0, ok: isOk(response), text: await readText(response) };
  }

  /** One request whose response body is streamed. */
  async stream(request: HttpRequest): Promise<HttpStream> {
    const response = await this.#open(request);
    return { status: response.statusCode ?? 0, ok: isOk(response), body: chunks(response, request.signal), text: () => readText(response) };
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #open(request: HttpRequest): Promise<http.IncomingMessage> {
    try {
      return await this.#attempt(request);
    } catch (error) {
      // A kept-alive connection the server closed while idle fails as the request is written, and the server
      // never saw it (Node's agent closes idle connections a second before the server's Keep-Alive hint, so this
      // is rare). A reset can also mean the server died while handling the request, so only a request that is
      // safe to repeat is sent once more, on a new connection.
      if (
        IDEMPOTENT.has(request.method) &&
        (error as { reusedSocket?: boolean }).reusedSocket &&
        (error as NodeJS.ErrnoException).code === "ECONNRESET"
      ) {
        return this.#attempt(request);
      }
      throw error;
    }
  }

  #attempt(request: HttpRequest): Promise<http.IncomingMessage> {
    const { method, path, body, signal } = request;
    const headers: Record<string, string | number> = { ...request.headers };
    if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const outgoing = this.#module.request(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          path: `${this.#url.pathname.replace(/\/+$/, "")}${path}`,
          method,
          headers,
          agent: this.#agent,
          ...(signal === undefined ? {} : { signal }),
        },
        resolve,
      );
      outgoing.once("error", (error) => reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket })));
      outgoing.setTimeout(this.#idleTimeoutMs, () => {
        const error = Object.assign(new Error(`no answer from ${this.#url.origin} for ${this.#idleTimeoutMs / 1000} s`), { code: "ETIMEDOUT" });
        // A response already streaming fails with this error too, not with a bare "aborted".
        (outgoing as { res?: http.IncomingMessage }).res?.destroy(error);
        outgoing.destroy(error);
      });
      outgoing.end(body);
    });
  }
}

function isOk(response: http.IncomingMessage): boolean {
  const status = response.statusCode ?? 0;
  return status >= 200 && status < 300;
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function* chunks(response: http.IncomingMessage, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of response) yield chunk as Buffer;
  } catch (error) {
    // Node reports an aborted response as a reset connection; the caller asked for it, so say so.
    throw signal?.aborted ? signal.reason : error;
  }
}
