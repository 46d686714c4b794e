// Code bundles for remote runs: a client uploads the bundle of a task file once (PUT, keyed by its sha256) and
// then starts runs with `code: hash`. HEAD answers whether a bundle is here, so a client uploads only what is
// missing. Bundles are immutable: a second PUT of a stored hash changes nothing and answers 200.
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import type { InputSpec } from "../deploy/interface/index.js";
import { errorCode } from "../errors/index.js";
import { invalidField } from "./api-error.js";
import { readBody, type ApiContext, type ApiEnv } from "./api-context.js";
import { CODE_HASH, type CodeManifest } from "./code-store.js";
import { jsonArray, object, optional, record, string } from "./schema.js";

export const uploadCodeBody = object(
  {
    code: string({ description: "the bundle: one ESM module whose sha256 (hex, of the UTF-8 text) is the hash in the path" }),
    externals: record(string({ maxLength: 256 }), "npm packages the bundle imports, name → version"),
    entry: string({ description: "the bundled file, relative to the folder it was bundled in", maxLength: 1024 }),
    interfaces: optional(record(jsonArray("the task's inputs: { name, schema, optional, hasDefault, typeText }"), "inputs of the bundle's tasks by task id, from their TypeScript signatures; runs of them are checked against these")),
  },
  "a code bundle made by flyte run (esbuild) for remote runs",
);

/** The JSON Schema of a stored bundle's description (the manifest), for the OpenAPI document. */
export const codeManifestSchema: Record<string, unknown> = {
  type: "object",
  required: ["hash", "entry", "externals", "size", "createdAt"],
  properties: {
    hash: { type: "string", pattern: CODE_HASH.source },
    entry: { type: "string" },
    externals: { type: "object", additionalProperties: { type: "string" } },
    size: { type: "integer", description: "bytes of the bundle" },
    createdAt: { type: "integer", description: "milliseconds since the Unix epoch" },
  },
};

function hashParam(value: string): string {
  if (!CODE_HASH.test(value)) throw invalidField("hash", `got ${JSON.stringify(value)}; expected the bundle's sha256 as 64 lowercase hex digits`);
  return value;
}

export function registerCodeRoutes(app: Hono<ApiEnv>, api: ApiContext): void {
  app.put("/v1/code/:hash", async (c) => {
    const hash = hashParam(c.req.param("hash"));
    const body = await readBody(c, uploadCodeBody);
    let created: boolean;
    try {
      const { interfaces, ...rest } = body;
      created = await api.code.put({ hash, ...rest, ...(interfaces ? { interfaces: interfaces as unknown as Record<string, InputSpec[]> } : {}) });
    } catch (error) {
      // The store's only input check left is the hash of the code; it names the field it blames.
      if (errorCode(error) === "INVALID_INPUT") throw invalidField("code", (error as Error).message);
      throw error;
    }
    const manifest: CodeManifest = api.code.manifest(hash);
    return c.json({ code: manifest }, created ? 201 : 200, { Location: `/v1/code/${hash}` });
  });

  // Hono answers HEAD with this route too (without the body): 200 when the bundle is here, 404 when not.
  app.get("/v1/code/:hash", (c) => {
    const hash = hashParam(c.req.param("hash"));
    return c.json({ code: api.code.manifest(hash) });
  });

  // The bundle itself, for worker hosts.
  app.get("/v1/code/:hash/bundle", (c) => {
    const file = api.code.pathOf(hashParam(c.req.param("hash")));
    return c.body(readFileSync(file, "utf8"), 200, { "content-type": "text/javascript; charset=utf-8" });
  });
}
