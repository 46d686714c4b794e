// Secrets at rest: `<dir>/secrets.json` holds every secret encrypted with AES-256-GCM under one 32-byte key (from
// FLYTE_SECRETS_KEY, else `<dir>/secrets.key`, created 0600). Each entry has a fresh IV and its own id as
// additional authenticated data, so an altered or moved entry fails to decrypt. Values leave only through
// `resolve`; nothing else (list, errors, the file) ever shows one. Writes are atomic (temp file + rename).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import { SCOPE_PATTERN } from "../engine/index.js";
import { InvalidInputError, SecretNotFoundError, SecretStoreError } from "../errors/index.js";

/** Environment variable with the store's key: 32 random bytes in base64 (`openssl rand -base64 32`). */
export const SECRETS_KEY_ENV = "FLYTE_SECRETS_KEY";
export const SECRETS_FILE = "secrets.json";
export const SECRETS_KEY_FILE = "secrets.key";
/** Largest value accepted, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 64 * 1024;
/** Secret keys and groups: the characters `Secret` (src/sdk/secret.ts) accepts. */
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,253}$/;
/** Projects and domains: the pattern runs use. */
export const SECRET_SCOPE = SCOPE_PATTERN;

export interface SecretScope {
  readonly project: string;
  readonly domain: string;
}

/** A secret's name within a scope: its key and optional group (a `Secret` from the SDK is one). */
export interface SecretRef {
  readonly key: string;
  readonly group?: string | undefined;
}

/** What may be shown about a stored secret: never its value. Times are ms since the Unix epoch. */
export interface SecretInfo {
  readonly name: string;
  readonly group: string | null;
  readonly project: string;
  readonly domain: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SecretStoreOptions {
  /**
   * The key in base64 (what FLYTE_SECRETS_KEY holds). Absent: read from process.env.FLYTE_SECRETS_KEY. Present but
   * undefined or "": no env key, so `<dir>/secrets.key` is used (tests pass this to ignore the environment).
   */
  readonly keyFromEnv?: string | undefined;
}

interface StoredEntry {
  iv: string;
  tag: string;
  ciphertext: string;
  createdAt: number;
  updatedAt: number;
}

interface StoredFile {
  version: 1;
  /** HMAC of a fixed text under the key: tells "wrong key" from "altered entry" without revealing the key. */
  keyCheck: string;
  secrets: Record<string, StoredEntry>;
}

const KEY_CHECK_TEXT = "flyte secrets key check v1";
const FIX_MISSING = (scope: SecretScope, ref: SecretRef): string =>
  `flyte create secret ${ref.key}${ref.group === undefined ? "" : ` --group ${ref.group}`} --project ${scope.project} --domain ${scope.domain}`;

/** "group/key" or "key": how messages and the CLI name a secret. */
export function secretLabel(ref: SecretRef): string {
  return ref.group === undefined ? ref.key : `${ref.group}/${ref.key}`;
}

/**
 * The encrypted secrets of one server (or local state folder), by project, domain, group and key.
 * @example const store = SecretStore.open(".flyte"); store.set({ project: "p", domain: "d" }, { key: "db" }, "pw");
 */
export class SecretStore {
  readonly #key: Buffer;
  readonly #keyCheck: string;
  /** Where the key came from, for messages: "FLYTE_SECRETS_KEY" or the key file's path. */
  readonly keySource: string;
  readonly file: string;

  private constructor(file: string, key: Buffer, keySource: string) {
    this.file = file;
    this.#key = key;
    this.keySource = keySource;
    this.#keyCheck = createHmac("sha256", key).update(KEY_CHECK_TEXT).digest("base64");
    // Fail at start-up, not at the first run that needs a secret, when the key cannot read the stored secrets.
    this.#read();
  }

  /**
   * Opens the store in `dir` (created if missing) with the key from FLYTE_SECRETS_KEY or `<dir>/secrets.key`.
   * @throws SecretStoreError when the key is malformed, the key file is readable by group or others (chmod 600
   *   it), the key is not the one the stored secrets were encrypted with, or secrets.json is not a store file.
   */
  static open(dir: string, options: SecretStoreOptions = {}): SecretStore {
    const envKey = "keyFromEnv" in options ? options.keyFromEnv : process.env[SECRETS_KEY_ENV];
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, SECRETS_FILE);
    if (envKey !== undefined && envKey !== "") return new SecretStore(file, parseKey(envKey, SECRETS_KEY_ENV), SECRETS_KEY_ENV);
    const keyFile = path.join(dir, SECRETS_KEY_FILE);
    return new SecretStore(file, readOrCreateKeyFile(keyFile), keyFile);
  }

  /** Stores (or replaces) a secret. `created` is false when one with that name was replaced. */
  set(scope: SecretScope, ref: SecretRef, value: string): { created: boolean; secret: SecretInfo } {
    const id = entryId(scope, ref);
    if (typeof value !== "string" || value === "") throw new InvalidInputError(`secret ${secretLabel(ref)}: the value is empty; a secret needs a value`);
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_SECRET_BYTES) throw new InvalidInputError(`secret ${secretLabel(ref)}: the value is ${bytes} bytes; at most ${MAX_SECRET_BYTES} are allowed`);
    const stored = this.#read();
    const previous = stored.secrets[id];
    const now = Date.now();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(id, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    const entry: StoredEntry = {
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      ciphertext: ciphertext.toString("base64"),
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
    stored.secrets[id] = entry;
    this.#write(stored);
    return { created: previous === undefined, secret: info(scope, ref, entry) };
  }

  /** The secrets of a scope, by group then name: names and times only. */
  list(scope: SecretScope): SecretInfo[] {
    checkScope(scope);
    const prefix = `${scope.project}/${scope.domain}/`;
    const out: SecretInfo[] = [];
    for (const [id, entry] of Object.entries(this.#read().secrets)) {
      if (!id.startsWith(prefix)) continue;
      const [group = "", key = ""] = id.slice(prefix.length).split("/");
      out.push(info(scope, group === "" ? { key } : { key, group }, entry));
    }
    return out.sort((a, b) => (a.group ?? "").localeCompare(b.group ?? "") || a.name.localeCompare(b.name));
  }

  /** Removes a secret; false when there was none with that name. */
  delete(scope: SecretScope, ref: SecretRef): boolean {
    const id = entryId(scope, ref);
    const stored = this.#read();
    if (stored.secrets[id] === undefined) return false;
    delete stored.secrets[id];
    this.#write(stored);
    return true;
  }

  /**
   * The values of `refs` in `scope`, keyed by the very ref objects passed in (a task's `Secret`s work as refs).
   * @throws SecretNotFoundError naming every missing secret, its scope and the command that creates it.
   * @throws SecretStoreError when an entry fails to decrypt (altered or moved in secrets.json).
   */
  resolve<R extends SecretRef>(scope: SecretScope, refs: readonly R[]): Map<R, string> {
    const ids = refs.map((ref) => entryId(scope, ref));
    const stored = this.#read();
    const missing = refs.filter((_, i) => stored.secrets[ids[i] as string] === undefined);
    if (missing.length > 0) {
      const names = missing.map((ref) => `"${secretLabel(ref)}"`).join(", ");
      const fixes = missing.map((ref) => FIX_MISSING(scope, ref)).join("; ");
      throw new SecretNotFoundError(
        `${missing.length === 1 ? "secret" : "secrets"} ${names} ${missing.length === 1 ? "is" : "are"} not stored for project ${scope.project}, domain ${scope.domain}; create ${missing.length === 1 ? "it" : "them"} with: ${fixes}`,
      );
    }
    const values = new Map<R, string>();
    refs.forEach((ref, i) => values.set(ref, this.#decrypt(ids[i] as string, stored.secrets[ids[i] as string] as StoredEntry, ref, scope)));
    return values;
  }

  #decrypt(id: string, entry: StoredEntry, ref: SecretRef, scope: SecretScope): string {
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(entry.iv, "base64"));
      decipher.setAAD(Buffer.from(id, "utf8"));
      decipher.setAuthTag(Buffer.from(entry.tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(entry.ciphertext, "base64")), decipher.final()]).toString("utf8");
    } catch (error) {
      throw new SecretStoreError(
        `secret "${secretLabel(ref)}" of project ${scope.project}, domain ${scope.domain} cannot be decrypted: its entry in ${this.file} was altered or copied from another entry; set it again with ${FIX_MISSING(scope, ref)}`,
        { cause: error },
      );
    }
  }

  #read(): StoredFile {
    if (!existsSync(this.file)) return { version: 1, keyCheck: this.#keyCheck, secrets: {} };
    let parsed: Partial<StoredFile>;
    try {
      parsed = JSON.parse(readFileSync(this.file, "utf8")) as Partial<StoredFile>;
    } catch (error) {
      throw new SecretStoreError(`${this.file} is not a secret store file (${(error as Error).message}); restore it from a backup or remove it and create the secrets again`, { cause: error });
    }
    if (parsed.version !== 1 || typeof parsed.secrets !== "object" || parsed.secrets === null || typeof parsed.keyCheck !== "string") {
      throw new SecretStoreError(`${this.file} is not a version 1 secret store file; restore it from a backup or remove it and create the secrets again`);
    }
    if (parsed.keyCheck !== this.#keyCheck) {
      throw new SecretStoreError(
        `the secrets in ${this.file} were encrypted with another key than the one in ${this.keySource}; use the original key (${SECRETS_KEY_ENV} or ${SECRETS_KEY_FILE} in the same folder), or remove ${SECRETS_FILE} and create the secrets again`,
      );
    }
    return parsed as StoredFile;
  }

  #write(stored: StoredFile): void {
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(stored, null, 2)}\n`);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    renameSync(temp, this.file);
  }
}

function entryId(scope: SecretScope, ref: SecretRef): string {
  checkScope(scope);
  if (typeof ref.key !== "string" || !SECRET_NAME.test(ref.key)) {
    throw new InvalidInputError(`secret name ${JSON.stringify(ref.key)} is not valid: use letters, digits, "_", "." and "-"`);
  }
  if (ref.group !== undefined && (typeof ref.group !== "string" || !SECRET_NAME.test(ref.group))) {
    throw new InvalidInputError(`secret group ${JSON.stringify(ref.group)} is not valid: use letters, digits, "_", "." and "-"`);
  }
  return `${scope.project}/${scope.domain}/${ref.group ?? ""}/${ref.key}`;
}

function checkScope(scope: SecretScope): void {
  for (const field of ["project", "domain"] as const) {
    if (typeof scope[field] !== "string" || !SECRET_SCOPE.test(scope[field])) {
      throw new InvalidInputError(`secret ${field} ${JSON.stringify(scope[field])} is not valid: use lowercase letters, digits, "-" and "_" (at most 63)`);
    }
  }
}

function info(scope: SecretScope, ref: SecretRef, entry: StoredEntry): SecretInfo {
  return { name: ref.key, group: ref.group ?? null, project: scope.project, domain: scope.domain, createdAt: entry.createdAt, updatedAt: entry.updatedAt };
}

/** Decodes a base64 key of exactly 32 bytes; the message never shows the text it got. */
function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, "base64");
  if (key.length !== 32 || key.toString("base64") !== trimmed) {
    throw new SecretStoreError(`${source} must hold 32 random bytes in base64 (44 characters, e.g. from "openssl rand -base64 32"); it holds ${trimmed.length} characters that are not such a key`);
  }
  return key;
}

// A key readable by group or others is refused rather than silently narrowed: it may already have leaked, and the
// operator should know before trusting it.
function readOrCreateKeyFile(file: string): Buffer {
  if (!existsSync(file)) {
    try {
      const fd = openSync(file, "wx", 0o600);
      try {
        writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      // Another process created it first: read theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) {
    throw new SecretStoreError(`the secrets key file ${file} is readable by group or others; run "chmod 600 ${file}" (and consider rotating the secrets), then start again`);
  }
  return parseKey(readFileSync(file, "utf8"), `the key file ${file}`);
}
