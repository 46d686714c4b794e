import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { errorCode } from "../errors/index.js";
import { CodeStore, type CodeUpload } from "./code-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function store(): CodeStore {
  const dir = mkdtempSync(path.join(tmpdir(), "flyte-code-store-"));
  dirs.push(dir);
  return new CodeStore(path.join(dir, "code"));
}

function upload(code: string, entry = "src/tasks.ts"): CodeUpload {
  return { hash: createHash("sha256").update(code).digest("hex"), code, externals: { flyte: "0.1.0" }, entry };
}

describe("CodeStore", () => {
  it("stores a bundle and its manifest under the hash", async () => {
    const codes = store();
    const bundle = upload('export const x = "é";\n');
    expect(codes.has(bundle.hash)).toBe(false);
    expect(await codes.put(bundle)).toBe(true);
    expect(codes.has(bundle.hash)).toBe(true);
    const file = codes.pathOf(bundle.hash);
    expect(file).toBe(path.join(codes.dir, bundle.hash, "bundle.mjs"));
    expect(path.isAbsolute(file)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(bundle.code);
    expect(codes.manifest(bundle.hash)).toMatchObject({
      hash: bundle.hash,
      entry: "src/tasks.ts",
      externals: { flyte: "0.1.0" },
      size: Buffer.byteLength(bundle.code),
    });
  });

  it("rejects code that does not hash to the given hash, naming both, and stores nothing", async () => {
    const codes = store();
    const bundle = upload("export const a = 1;\n");
    const forged = { ...bundle, code: "export const a = 2;\n" };
    const error = await codes.put(forged).then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(errorCode(error)).toBe("INVALID_INPUT");
    expect(error.message).toContain(`the upload names ${bundle.hash} but its code hashes to ${upload(forged.code).hash}`);
    expect(codes.has(bundle.hash)).toBe(false);
  });

  it("is idempotent: a second upload, or several at once, keep the first bundle and leave no temporary files", async () => {
    const codes = store();
    const bundle = upload("export const b = 1;\n");
    const results = await Promise.all(Array.from({ length: 6 }, () => codes.put(bundle)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const first = codes.manifest(bundle.hash);
    expect(await codes.put({ ...bundle, entry: "elsewhere.ts" })).toBe(false);
    expect(codes.manifest(bundle.hash)).toEqual(first);
    expect(readdirSync(codes.dir)).toEqual([bundle.hash]);
    expect(readdirSync(path.join(codes.dir, bundle.hash)).sort()).toEqual(["bundle.mjs", "manifest.json"]);
  });

  it("never shows a half-written bundle: a failed write leaves neither file", async () => {
    const codes = store();
    const bundle = upload("export const c = 1;\n");
    // Something that is not a bundle folder sits where the bundle must go, so the final rename fails.
    mkdirSync(codes.dir, { recursive: true });
    writeFileSync(path.join(codes.dir, bundle.hash), "in the way");
    await expect(codes.put(bundle)).rejects.toThrow();
    expect(codes.has(bundle.hash)).toBe(false);
    expect(readdirSync(codes.dir)).toEqual([bundle.hash]);
  });

  it("answers unknown hashes with CODE_NOT_FOUND and malformed ones with INVALID_INPUT", async () => {
    const codes = store();
    const missing = "0".repeat(64);
    expect(() => codes.pathOf(missing)).toThrow(`no code bundle ${missing} was uploaded to this server`);
    expect(errorCode(catchSync(() => codes.pathOf(missing)))).toBe("CODE_NOT_FOUND");
    expect(errorCode(catchSync(() => codes.manifest(missing)))).toBe("CODE_NOT_FOUND");
    for (const bad of ["../../etc", "A".repeat(64), "abc"]) {
      const error = catchSync(() => codes.has(bad));
      expect(errorCode(error)).toBe("INVALID_INPUT");
      expect((error as Error).message).toContain("64 lowercase hex digits");
    }
    await expect(codes.put({ ...upload("x"), hash: "../x" })).rejects.toThrow("64 lowercase hex digits");
  });

  it("reads a manifest whose interfaces are known once, and one without them from disk until they are added", async () => {
    const codes = store();
    const bundle = upload("export const y = 2;\n");
    await codes.put(bundle);
    const file = path.join(codes.dir, bundle.hash, "manifest.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), entry: "edited.ts" }));
    expect(codes.manifest(bundle.hash).entry).toBe("edited.ts"); // not final yet: read from disk each time
    await codes.addInterfaces(bundle.hash, { "env.t": [] });
    expect(codes.manifest(bundle.hash).interfaces).toEqual({ "env.t": [] });
    writeFileSync(file, "{ not json");
    // Final: served from memory, so a POST /v1/runs of it reads no file.
    expect(codes.manifest(bundle.hash).interfaces).toEqual({ "env.t": [] });
  });
});

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
