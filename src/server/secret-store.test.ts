import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { errorCode, isRetryable, SecretNotFoundError, SecretStoreError } from "../errors/index.js";
import { SECRETS_FILE, SECRETS_KEY_FILE, SecretStore } from "./secret-store.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flyte-secrets-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SCOPE = { project: "proj", domain: "development" };
const VALUE = "s3cr3t-VALUE-ZmFrZS1wYXNzd29yZA";
// The file-key path must not depend on a FLYTE_SECRETS_KEY the test runner happens to have.
const open = (dir: string): SecretStore => SecretStore.open(dir, { keyFromEnv: undefined });

/** Every file under `dir`, read as bytes. */
function allBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(path.join(e.parentPath, e.name))));
}

describe("SecretStore", () => {
  it("round-trips values and reports only names and times", () => {
    const dir = tempDir();
    const store = open(dir);
    expect(store.set(SCOPE, { key: "db-pass" }, VALUE).created).toBe(true);
    expect(store.set(SCOPE, { key: "token", group: "openai" }, "other value ✓").created).toBe(true);
    const replaced = store.set(SCOPE, { key: "db-pass" }, `${VALUE}-2`);
    expect(replaced.created).toBe(false);
    expect(replaced.secret).not.toHaveProperty("value");

    const refs = [{ key: "db-pass" }, { key: "token", group: "openai" }] as const;
    const values = open(dir).resolve(SCOPE, refs);
    expect(values.get(refs[0])).toBe(`${VALUE}-2`);
    expect(values.get(refs[1])).toBe("other value ✓");

    const listed = store.list(SCOPE);
    expect(listed.map((s) => [s.group, s.name])).toEqual([[null, "db-pass"], ["openai", "token"]]);
    expect(JSON.stringify(listed)).not.toContain(VALUE);
    expect(listed[0]?.updatedAt).toBeGreaterThanOrEqual(listed[0]?.createdAt ?? Infinity);
    // Scopes are separate.
    expect(store.list({ project: "proj", domain: "production" })).toEqual([]);
    expect(() => store.resolve({ project: "other", domain: "development" }, [{ key: "db-pass" }])).toThrow(SecretNotFoundError);

    expect(store.delete(SCOPE, { key: "db-pass" })).toBe(true);
    expect(store.delete(SCOPE, { key: "db-pass" })).toBe(false);
    expect(store.list(SCOPE).map((s) => s.name)).toEqual(["token"]);
  });

  it("never writes a value in plaintext (or base64) anywhere in its folder", () => {
    const dir = tempDir();
    const store = open(dir);
    store.set(SCOPE, { key: "a" }, VALUE);
    store.set(SCOPE, { key: "b" }, VALUE);
    const bytes = allBytes(dir);
    expect(bytes.includes(Buffer.from(VALUE))).toBe(false);
    expect(bytes.includes(Buffer.from(Buffer.from(VALUE).toString("base64")))).toBe(false);
    const stored = JSON.parse(readFileSync(path.join(dir, SECRETS_FILE), "utf8"));
    expect(stored.version).toBe(1);
    const a = stored.secrets["proj/development//a"];
    const b = stored.secrets["proj/development//b"];
    expect(Buffer.from(a.iv, "base64")).toHaveLength(12);
    // A fresh IV per entry: the same value encrypts differently.
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.iv).not.toBe(b.iv);
  });

  it("creates the key file and the store file with mode 0600, and refuses a key file others can read", () => {
    const dir = tempDir();
    open(dir).set(SCOPE, { key: "a" }, VALUE);
    const keyFile = path.join(dir, SECRETS_KEY_FILE);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64")).toHaveLength(32);
    // The same key is used again.
    expect(open(dir).resolve(SCOPE, [{ key: "a" }]).size).toBe(1);

    chmodSync(keyFile, 0o644);
    expect(() => open(dir)).toThrow(/readable by group or others; run "chmod 600/);
    chmodSync(keyFile, 0o600);
    expect(() => open(dir)).not.toThrow();
  });

  it("fails with a clear error when an entry's ciphertext is altered", () => {
    const dir = tempDir();
    open(dir).set(SCOPE, { key: "a" }, VALUE);
    const file = path.join(dir, SECRETS_FILE);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    const bytes = Buffer.from(stored.secrets["proj/development//a"].ciphertext, "base64");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    stored.secrets["proj/development//a"].ciphertext = bytes.toString("base64");
    writeFileSync(file, JSON.stringify(stored));
    const error = catchError(() => open(dir).resolve(SCOPE, [{ key: "a" }]));
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(error.message).toMatch(/secret "a" of project proj, domain development cannot be decrypted: its entry in .* was altered/);
    expect(error.message).not.toContain(VALUE);
  });

  it("fails when two entries are swapped (each is bound to its own id)", () => {
    const dir = tempDir();
    const store = open(dir);
    store.set(SCOPE, { key: "a" }, "value-of-a");
    store.set(SCOPE, { key: "b" }, "value-of-b");
    const file = path.join(dir, SECRETS_FILE);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    const a = stored.secrets["proj/development//a"];
    stored.secrets["proj/development//a"] = stored.secrets["proj/development//b"];
    stored.secrets["proj/development//b"] = a;
    writeFileSync(file, JSON.stringify(stored));
    expect(() => store.resolve(SCOPE, [{ key: "a" }])).toThrow(/secret "a" .* cannot be decrypted/);
    expect(() => store.resolve(SCOPE, [{ key: "b" }])).toThrow(/secret "b" .* cannot be decrypted/);
  });

  it("names every missing secret with its scope and the command that creates it; not retryable", () => {
    const dir = tempDir();
    const store = open(dir);
    store.set(SCOPE, { key: "present" }, VALUE);
    const error = catchError(() => store.resolve(SCOPE, [{ key: "present" }, { key: "gone" }, { key: "also", group: "grp" }]));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(errorCode(error)).toBe("SECRET_NOT_FOUND");
    expect(isRetryable(error)).toBe(false);
    expect(error.message).toContain('secrets "gone", "grp/also" are not stored for project proj, domain development');
    expect(error.message).toContain("flyte create secret gone --project proj --domain development");
    expect(error.message).toContain("flyte create secret also --group grp --project proj --domain development");
    expect(error.message).not.toContain('"present"');
  });

  it("uses FLYTE_SECRETS_KEY instead of a key file, and says when the key is malformed or wrong", () => {
    const dir = tempDir();
    const key = randomBytes(32).toString("base64");
    const store = SecretStore.open(dir, { keyFromEnv: key });
    expect(store.keySource).toBe("FLYTE_SECRETS_KEY");
    store.set(SCOPE, { key: "a" }, VALUE);
    expect(readdirSync(dir)).not.toContain(SECRETS_KEY_FILE);
    expect(SecretStore.open(dir, { keyFromEnv: key }).resolve(SCOPE, [{ key: "a" }]).values().next().value).toBe(VALUE);

    const short = catchError(() => SecretStore.open(dir, { keyFromEnv: "c2hvcnQ=" }));
    expect(short).toBeInstanceOf(SecretStoreError);
    expect(short.message).toMatch(/FLYTE_SECRETS_KEY must hold 32 random bytes in base64/);
    expect(short.message).not.toContain("c2hvcnQ=");
    // Another valid key (or the key file) cannot read these secrets: refused at open, not at first use.
    expect(() => SecretStore.open(dir, { keyFromEnv: randomBytes(32).toString("base64") })).toThrow(/encrypted with another key than the one in FLYTE_SECRETS_KEY/);
    expect(() => open(dir)).toThrow(/encrypted with another key/);
  });

  it("reads process.env.FLYTE_SECRETS_KEY when no key is passed", () => {
    const dir = tempDir();
    const saved = process.env["FLYTE_SECRETS_KEY"];
    process.env["FLYTE_SECRETS_KEY"] = "not a key";
    try {
      expect(() => SecretStore.open(dir)).toThrow(/FLYTE_SECRETS_KEY must hold 32 random bytes/);
    } finally {
      if (saved === undefined) delete process.env["FLYTE_SECRETS_KEY"];
      else process.env["FLYTE_SECRETS_KEY"] = saved;
    }
  });

  it("rejects bad names, scopes and values without storing anything", () => {
    const dir = tempDir();
    const store = open(dir);
    expect(() => store.set(SCOPE, { key: "a/b" }, VALUE)).toThrow(/secret name "a\/b" is not valid/);
    expect(() => store.set(SCOPE, { key: "a", group: "g/h" }, VALUE)).toThrow(/secret group "g\/h" is not valid/);
    expect(() => store.set({ project: "Proj", domain: "d" }, { key: "a" }, VALUE)).toThrow(/secret project "Proj" is not valid/);
    expect(() => store.set(SCOPE, { key: "a" }, "")).toThrow(/the value is empty/);
    expect(() => store.set(SCOPE, { key: "a" }, "x".repeat(64 * 1024 + 1))).toThrow(/65537 bytes; at most 65536/);
    expect(store.set(SCOPE, { key: "a" }, "x".repeat(64 * 1024)).created).toBe(true);
    expect(store.list(SCOPE).map((s) => s.name)).toEqual(["a"]);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
