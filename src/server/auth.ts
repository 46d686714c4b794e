// Bearer-token authentication for the API. Hand-written rather than hono/bearer-auth because every failure must
// be a 401 in the API's own error shape (hono answers a malformed header with a plain-text 400). Tokens are
// compared as SHA-256 digests with timingSafeEqual, so neither the content nor the length leaks through timing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.js";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Requires `Authorization: Bearer <token>` on every path except `openPaths`; lets everything through without a token. */
export function requireToken(token: string | undefined, openPaths: ReadonlySet<string>): MiddlewareHandler {
  if (token === undefined) return async (_c, next) => next();
  const expected = digest(token);
  return async (c, next) => {
    if (openPaths.has(c.req.path)) return next();
    const header = c.req.header("authorization");
    if (header === undefined) {
      throw new ApiError(401, "UNAUTHORIZED", "this server requires a token: send the header Authorization: Bearer <token> (the token is printed when the server starts and stored in <localDir>/server-token)");
    }
    const given = BEARER.exec(header)?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError(401, "UNAUTHORIZED", "the token is wrong: send the header Authorization: Bearer <token> with the server's token");
    }
    return next();
  };
}
