// The secrets API over a real socket: auth, validation naming the field, PUT/GET/DELETE by project and domain,
// and the promise that no response (nor the server's log, nor any file but the encrypted store) shows a value.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlyteClient } from "../src/client/index.js";
import { SecretNotFoundError } from "../src/errors/index.js";
import { useTestServer, type JsonInit, type JsonResponse } from "./support/server.js";

const ctx = useTestServer({ project: "srvproj", domain: "staging" });
const VALUE = "pw-7f3a9c-UNIQUE-secret-value";
/** Every raw response body of this file, to check that none carries a value. */
const bodies: string[] = [];

async function call(pathname: string, init: JsonInit = {}): Promise<JsonResponse> {
  const { body, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (body !== undefined) headers.set("content-type", "application/json");
  const text = typeof body === "string" || body === undefined ? body : JSON.stringify(body);
  const response = await ctx.server.fetch(pathname, { ...rest, headers, ...(text === undefined ? {} : { body: text }) });
  const raw = await response.text();
  bodies.push(raw);
  return { status: response.status, headers: response.headers, body: raw === "" ? undefined : JSON.parse(raw) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("secrets API", () => {
  it("needs the token on every secrets route", async () => {
    for (const [method, pathname] of [["GET", "/v1/secrets"], ["PUT", "/v1/secrets/a"], ["DELETE", "/v1/secrets/a"]] as const) {
      const response = await call(pathname, { method, token: null, ...(method === "PUT" ? { body: { value: VALUE } } : {}) });
      expect(response.status, `${method} ${pathname}`).toBe(401);
    }
  });

  it("stores, replaces, lists and deletes secrets in the server's default scope", async () => {
    const created = await call("/v1/secrets/db-pass", { method: "PUT", body: { value: VALUE } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toEqual({ name: "db-pass", group: null, project: "srvproj", domain: "staging", createdAt: expect.any(Number), updatedAt: expect.any(Number) });
    const replaced = await call("/v1/secrets/db-pass", { method: "PUT", body: { value: `${VALUE}-2` } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.secret.createdAt).toBe(created.body.secret.createdAt);

    const grouped = await call("/v1/secrets/token", { method: "PUT", body: { value: VALUE, group: "openai", project: "other", domain: "production" } });
    expect(grouped.status).toBe(201);
    expect(grouped.body.secret).toMatchObject({ name: "token", group: "openai", project: "other", domain: "production" });

    const listed = await call("/v1/secrets");
    expect(listed.status).toBe(200);
    expect(listed.body.secrets.map((s: { name: string }) => s.name)).toEqual(["db-pass"]);
    const other = await call("/v1/secrets?project=other&domain=production");
    expect(other.body.secrets).toEqual([grouped.body.secret]);

    // The stored value is the replacement, and is readable with the server's key.
    const scope = { project: "srvproj", domain: "staging" };
    const ref = { key: "db-pass" };
    expect(ctx.server.server.secrets.resolve(scope, [ref]).get(ref)).toBe(`${VALUE}-2`);

    // Without the group, "token" is another secret.
    const wrongGroup = await call("/v1/secrets/token?project=other&domain=production", { method: "DELETE" });
    expect(wrongGroup.status).toBe(404);
    expect(wrongGroup.body.error).toMatchObject({ code: "SECRET_NOT_FOUND", message: expect.stringContaining('secret "token" does not exist in project other, domain production') });
    const deleted = await call("/v1/secrets/token?project=other&domain=production&group=openai", { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect((await call("/v1/secrets?project=other&domain=production")).body.secrets).toEqual([]);
    expect((await call("/v1/secrets/db-pass", { method: "DELETE" })).status).toBe(204);
    expect((await call("/v1/secrets/db-pass", { method: "DELETE" })).status).toBe(404);
  });

  it("answers 400 naming the field for bad names, scopes, bodies and values", async () => {
    const cases: [string, JsonInit, string][] = [
      ["/v1/secrets/bad%2Fname", { method: "PUT", body: { value: VALUE } }, "name"],
      ["/v1/secrets/ok", { method: "PUT", body: {} }, "value"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: "" } }, "value"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: 42 } }, "value"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: "é".repeat(32 * 1024 + 1) } }, "value"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: VALUE, project: "Upper" } }, "project"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: VALUE, group: "a b" } }, "group"],
      ["/v1/secrets/ok", { method: "PUT", body: { value: VALUE, valeu: 1 } }, "valeu"],
      ["/v1/secrets?domain=Bad!", { method: "GET" }, "domain"],
      ["/v1/secrets/ok?group=a/b", { method: "DELETE" }, "group"],
    ];
    for (const [pathname, init, field] of cases) {
      const response = await call(pathname, init);
      expect(response.status, `${pathname} ${JSON.stringify(init.body)}`).toBe(400);
      expect(response.body.error).toMatchObject({ code: "INVALID_REQUEST", field });
      expect(response.body.error.message).toMatch(new RegExp(`^${field}: `));
    }
    // Malformed JSON: the parse error (which would quote the body, value included) is not echoed.
    // (V8 quotes the text around an unexpected token: `Unexpected token 'p', ..."{"value": pw-7f3a9c-"...`.)
    const malformed = await call("/v1/secrets/ok", { method: "PUT", body: `{"value": ${VALUE}}` });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: "MALFORMED_JSON", field: "body" });
    expect(malformed.body.error.message).not.toContain(VALUE.slice(0, 8));
    expect((await call("/v1/secrets")).body.secrets).toEqual([]);
  });

  it("works through FlyteClient", async () => {
    const client = new FlyteClient({ endpoint: ctx.server.url, token: ctx.server.token });
    expect((await client.setSecret("api-key", VALUE, { group: "svc" })).created).toBe(true);
    expect((await client.setSecret("api-key", VALUE, { group: "svc" })).created).toBe(false);
    expect(await client.listSecrets({ project: "srvproj" })).toEqual([expect.objectContaining({ name: "api-key", group: "svc", domain: "staging" })]);
    await client.deleteSecret("api-key", { group: "svc" });
    await expect(client.deleteSecret("api-key", { group: "svc" })).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(await client.listSecrets()).toEqual([]);
  });

  it("never shows a value in a response, the server log or any file of its state but the encrypted store", () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(VALUE);
    for (const line of ctx.server.logs) expect(line).not.toContain(VALUE);
    const files = filesUnder(ctx.server.localDir);
    expect(files.map((file) => path.basename(file))).toContain("secrets.json");
    for (const file of files) expect(readFileSync(file).includes(Buffer.from(VALUE)), file).toBe(false);
  });

  it("is documented in the OpenAPI document", async () => {
    const { body: doc } = await call("/v1/openapi.json");
    expect(Object.keys(doc.paths["/v1/secrets/{name}"])).toEqual(["put", "delete"]);
    expect(doc.paths["/v1/secrets/{name}"].put.requestBody.content["application/json"].schema.required).toEqual(["value"]);
    expect(doc.components.schemas.Secret.properties).not.toHaveProperty("value");
  });
});
