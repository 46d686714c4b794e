// Request bodies, read with a size limit. Under Node (@hono/node-server) the body is read straight from the
// IncomingMessage: turning it into a web Request with a ReadableStream first costs more than all the rest of a
// small request (POST /v1/runs?wait is on the path of every remote run a client waits for).
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { ApiError } from "./api-error.js";

/** Request bodies above this size are refused (inputs this large belong in a File or the blob store). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The request body as UTF-8 text; 413 BODY_TOO_LARGE above MAX_BODY_BYTES. */
export async function bodyText(c: Context): Promise<string> {
  if (Number(c.req.header("content-length")) > MAX_BODY_BYTES) throw tooLarge(c);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge(c);
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge(c);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
}

/** The refusal; the connection closes after it, since the rest of the body is left unread on it. */
function tooLarge(c: Context): ApiError {
  c.header("connection", "close");
  return new ApiError(413, "BODY_TOO_LARGE", `the request body is over ${MAX_BODY_BYTES} bytes; pass large values as a File`, "body");
}
