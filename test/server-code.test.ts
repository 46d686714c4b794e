// Code bundle upload against an in-process server: PUT /v1/code/:hash stores a bundle once (201, then 200), HEAD
// says whether it is there, bad requests name the field, and FlyteClient's hasCode/uploadCode speak the same API.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlyteApiError, FlyteClient, UnauthorizedError } from "../src/client/index.js";
import { CodeNotFoundError } from "../src/errors/index.js";
import { TEST_TOKEN, useTestServer } from "./support/server.js";

const ctx = useTestServer();
const client = (token: string | undefined = TEST_TOKEN): FlyteClient => new FlyteClient({ endpoint: ctx.server.url, token });

function bundle(code: string): { hash: string; code: string; externals: Record<string, string>; entry: string } {
  return { hash: createHash("sha256").update(code).digest("hex"), code, externals: { flyte: "0.1.0" }, entry: "src/tasks.ts" };
}

describe("code bundle routes", () => {
  it("stores a bundle under <localDir>/code (201), accepts it again (200), and HEAD finds it", async () => {
    const b = bundle("export const routes = 1;\n");
    expect((await ctx.server.fetch(`/v1/code/${b.hash}`, { method: "HEAD" })).status).toBe(404);
    const body = { code: b.code, externals: b.externals, entry: b.entry };
    const first = await ctx.server.json(`/v1/code/${b.hash}`, { method: "PUT", body });
    expect(first.status).toBe(201);
    expect(first.body.code).toMatchObject({ hash: b.hash, entry: "src/tasks.ts", externals: { flyte: "0.1.0" }, size: b.code.length });
    expect(first.headers.get("location")).toBe(`/v1/code/${b.hash}`);
    expect(readFileSync(path.join(ctx.server.localDir, "code", b.hash, "bundle.mjs"), "utf8")).toBe(b.code);
    const second = await ctx.server.json(`/v1/code/${b.hash}`, { method: "PUT", body });
    expect(second.status).toBe(200);
    expect(second.body.code).toEqual(first.body.code);
    const head = await ctx.server.fetch(`/v1/code/${b.hash}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const get = await ctx.server.json(`/v1/code/${b.hash}`);
    expect(get.body.code).toEqual(first.body.code);
  });

  it("answers 401 without the token, and stores nothing", async () => {
    const b = bundle("export const unauthorized = 1;\n");
    const put = await ctx.server.json(`/v1/code/${b.hash}`, { method: "PUT", token: null, body: { code: b.code, externals: {}, entry: "x.ts" } });
    expect(put.status).toBe(401);
    expect(put.body.error.code).toBe("UNAUTHORIZED");
    expect((await ctx.server.fetch(`/v1/code/${b.hash}`, { method: "HEAD", token: null })).status).toBe(401);
    expect(existsSync(path.join(ctx.server.localDir, "code", b.hash))).toBe(false);
  });

  it("answers 400 naming the field: hash, code (mismatch), externals, entry, unknown fields", async () => {
    const b = bundle("export const bad = 1;\n");
    const good = { code: b.code, externals: {}, entry: "x.ts" };
    const cases: Array<[string, unknown, string, string]> = [
      ["ABC", good, "hash", "64 lowercase hex digits"],
      [b.hash.toUpperCase(), good, "hash", "64 lowercase hex digits"],
      [b.hash, { ...good, code: "export const other = 2;\n" }, "code", `the upload names ${b.hash} but its code hashes to`],
      [b.hash, { ...good, code: 7 }, "code", "expected a string"],
      [b.hash, { ...good, externals: { lodash: 4 } }, "externals.lodash", "expected a string"],
      [b.hash, { code: b.code, externals: {} }, "entry", "is required"],
      [b.hash, { ...good, extra: true }, "extra", "is not a known field"],
    ];
    for (const [hash, body, field, message] of cases) {
      const response = await ctx.server.json(`/v1/code/${hash}`, { method: "PUT", body: body as Record<string, unknown> });
      expect(response.status, `${field}: ${JSON.stringify(response.body)}`).toBe(400);
      expect(response.body.error.field).toBe(field);
      expect(response.body.error.message).toContain(message);
    }
    expect((await ctx.server.fetch("/v1/code/not-a-hash", { method: "HEAD" })).status).toBe(400);
    const missing = await ctx.server.json(`/v1/code/${"0".repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("CODE_NOT_FOUND");
  });

  it("documents the routes in the OpenAPI document", async () => {
    const { body } = await ctx.server.json("/v1/openapi.json");
    const pathItem = body.paths["/v1/code/{hash}"];
    expect(Object.keys(pathItem).sort()).toEqual(["get", "head", "put"]);
    expect(pathItem.put.requestBody.content["application/json"].schema.required).toEqual(["code", "externals", "entry"]);
    expect(body.components.schemas.CodeManifest).toBeDefined();
  });
});

describe("FlyteClient code methods", () => {
  it("hasCode is false, uploadCode stores (created), hasCode turns true, a second upload is not created", async () => {
    const b = bundle("export const client = 1;\n");
    expect(await client().hasCode(b.hash)).toBe(false);
    const first = await client().uploadCode(b);
    expect(first).toMatchObject({ created: true, code: { hash: b.hash, entry: b.entry, externals: b.externals } });
    expect(await client().hasCode(b.hash)).toBe(true);
    expect((await client().uploadCode(b)).created).toBe(false);
  });

  it("maps a wrong token to UnauthorizedError, a mismatch to a 400 naming code, and GET of a missing bundle to CodeNotFoundError", async () => {
    const b = bundle("export const clientErrors = 1;\n");
    await expect(client("wrong-token-0123456789").hasCode(b.hash)).rejects.toBeInstanceOf(UnauthorizedError);
    const mismatch = await client()
      .uploadCode({ ...b, code: "something else" })
      .then(() => new Error("expected a rejection"), (e: unknown) => e);
    expect(mismatch).toBeInstanceOf(FlyteApiError);
    expect(mismatch).toMatchObject({ status: 400, field: "code", code: "INVALID_REQUEST" });
    const response = await ctx.server.fetch(`/v1/code/${b.hash}`);
    expect(response.status).toBe(404);
    const { responseError } = await import("../src/client/errors.js");
    expect(responseError(404, await response.text(), ctx.server.url, true)).toBeInstanceOf(CodeNotFoundError);
  });

  it("sends code with createRun: a bundle that was never uploaded is CODE_NOT_FOUND", async () => {
    const missing = "f".repeat(64);
    const error = await client()
      .createRun({ task: "srv.add", inputs: [1, 2], code: missing })
      .then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CodeNotFoundError);
    expect(error.message).toContain(missing);
  });
});
