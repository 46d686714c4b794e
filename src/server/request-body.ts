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
  return readIncoming(incoming, () => tooLarge(c));
}

/** Reads with listeners rather than an async iterator, whose set-up costs more than a small body's read. */
function readIncoming(incoming: IncomingMessage, tooLargeError: () => ApiError): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // The rest stays unread: the refusal closes the connection (see tooLarge).
      done();
      incoming.pause();
      reject(tooLargeError());
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onClose = (): void => {
      done();
      reject(new Error("the client closed the connection before the request body ended"));
    };
    incoming.on("data", onData).once("end", onEnd).once("error", onError).once("close", onClose);
  });
}

/** The refusal; the connection closes after it, since the rest of the body is left unread on it. */
function tooLarge(c: Context): ApiError {
  c.header("connection", "close");
  return new ApiError(413, "BODY_TOO_LARGE", `the request body is over ${MAX_BODY_BYTES} bytes; pass large values as a File`, "body");
}
