// Secrets by project and domain: PUT stores (or replaces) one, GET lists names and times, DELETE removes one.
// No response, error message or log line ever carries a value: bodies are parsed here without echoing parse
// errors (JSON.parse quotes the text it choked on), and the value's schema never shows what it got.
import type { Context, Hono } from "hono";
import { ApiError, invalidField } from "./api-error.js";
import type { ApiContext, ApiEnv } from "./api-context.js";
import { bodyText } from "./request-body.js";
import { object, optional, string, type Schema } from "./schema.js";
import { MAX_SECRET_BYTES, SECRET_NAME, SECRET_SCOPE, type SecretInfo } from "./secret-store.js";
import { SecretNotFoundError } from "../errors/index.js";

/** A stored secret as the API shows it: never its value. */
export type ApiSecret = SecretInfo;

const NAME_HINT = 'letters, digits, "_", "." and "-"';
const SCOPE_HINT = "lowercase letters, digits, - and _";
const name = (description: string): Schema<string> => string({ description, pattern: SECRET_NAME, patternHint: NAME_HINT });
const scope = (description: string): Schema<string> => string({ description, pattern: SECRET_SCOPE, patternHint: SCOPE_HINT });

/** The value: a non-empty string of at most 64 KiB; errors say what is wrong without showing it. */
const secretValue: Schema<string> = {
  jsonSchema: { type: "string", minLength: 1, description: `the secret's value, at most ${MAX_SECRET_BYTES} bytes of UTF-8; never returned` },
  parse(value, field) {
    if (typeof value !== "string") throw invalidField(field, `expected a string, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
    if (value === "") throw invalidField(field, "is empty; a secret needs a value");
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_SECRET_BYTES) throw invalidField(field, `is ${bytes} bytes; at most ${MAX_SECRET_BYTES} are allowed`);
    return value;
  },
};

export const putSecretBody = object(
  {
    value: secretValue,
    project: optional(scope("project (default: the server's)")),
    domain: optional(scope("domain (default: the server's)")),
    group: optional(name("optional namespace of the secret")),
  },
  "a secret to store, encrypted, for tasks of a project and domain that declare it",
);

/** The JSON Schema of a secret in responses, for the OpenAPI document. */
export const secretSchema: Record<string, unknown> = {
  type: "object",
  required: ["name", "group", "project", "domain", "createdAt", "updatedAt"],
  properties: {
    name: { type: "string", pattern: SECRET_NAME.source },
    group: { type: ["string", "null"] },
    project: { type: "string" },
    domain: { type: "string" },
    createdAt: { type: "integer", description: "milliseconds since the Unix epoch" },
    updatedAt: { type: "integer", description: "milliseconds since the Unix epoch" },
  },
};

async function readSecretBody(c: Context<ApiEnv>): Promise<ReturnType<typeof putSecretBody.parse>> {
  const text = await bodyText(c);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "MALFORMED_JSON", 'the request body is not valid JSON; send { "value": "...", "project"?, "domain"?, "group"? }', "body");
  }
  return putSecretBody.parse(value, "body");
}

function queryScope(c: Context<ApiEnv>, api: ApiContext): { project: string; domain: string } {
  return {
    project: optional(scope("project")).parse(c.req.query("project") || undefined, "project") ?? api.project,
    domain: optional(scope("domain")).parse(c.req.query("domain") || undefined, "domain") ?? api.domain,
  };
}

export function registerSecretRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  app.put("/v1/secrets/:name", async (c) => {
    const key = name("").parse(c.req.param("name"), "name");
    const body = await readSecretBody(c);
    const where = { project: body.project ?? api.project, domain: body.domain ?? api.domain };
    const { created, secret } = api.secrets.set(where, body.group === undefined ? { key } : { key, group: body.group }, body.value);
    return c.json({ secret: secret satisfies ApiSecret }, created ? 201 : 200);
  });

  app.get("/v1/secrets", (c) => c.json({ secrets: api.secrets.list(queryScope(c, api)) satisfies ApiSecret[] }));

  app.delete("/v1/secrets/:name", (c) => {
    const key = name("").parse(c.req.param("name"), "name");
    const where = queryScope(c, api);
    const group = optional(name("group")).parse(c.req.query("group") || undefined, "group");
    if (!api.secrets.delete(where, group === undefined ? { key } : { key, group })) {
      const label = group === undefined ? key : `${group}/${key}`;
      throw new SecretNotFoundError(`secret "${label}" does not exist in project ${where.project}, domain ${where.domain}; list secrets with GET /v1/secrets?project=${where.project}&domain=${where.domain}`);
    }
    return c.body(null, 204);
  });
}
