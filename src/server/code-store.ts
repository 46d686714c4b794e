// Code bundles uploaded for remote runs, kept by content hash: `<dir>/<hash>/bundle.mjs` (what workers import)
// and `<dir>/<hash>/manifest.json` (entry file, npm externals, size). A bundle is written into a temporary folder
// and renamed into place in one step, so a reader sees both files or neither, and a second upload of the same
// hash (even a concurrent one) changes nothing.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InputSpec } from "../deploy/interface/index.js";
import { CodeNotFoundError, InvalidInputError } from "../errors/index.js";

/** What a bundle's content hash looks like: sha256 as 64 lowercase hex digits. */
export const CODE_HASH = /^[0-9a-f]{64}$/;

export const BUNDLE_FILE = "bundle.mjs";
export const MANIFEST_FILE = "manifest.json";

/** An upload: the bundle and what the worker needs to know about it. */
export interface CodeUpload {
  readonly hash: string;
  readonly code: string;
  /** npm packages the bundle imports, with the versions it was made against. */
  readonly externals: Readonly<Record<string, string>>;
  /** The bundled file, relative to the folder it was bundled in. */
  readonly entry: string;
  /** Inputs of its tasks by task id, from their TypeScript signatures: runs of them are checked against these. */
  readonly interfaces?: Readonly<Record<string, readonly InputSpec[]>> | undefined;
}

export interface CodeManifest {
  readonly hash: string;
  readonly entry: string;
  readonly externals: Readonly<Record<string, string>>;
  readonly interfaces?: Readonly<Record<string, readonly InputSpec[]>> | undefined;
  /** Bytes of bundle.mjs. */
  readonly size: number;
  /** When the bundle was first stored (ms since the epoch). */
  readonly createdAt: number;
}

export class CodeStore {
  readonly dir: string;
  /** Manifests that can no longer change (their interfaces are known), so runs of them read no file. */
  readonly #final = new Map<string, CodeManifest>();

  /** Nothing is touched on disk until the first `put`. */
  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  has(hash: string): boolean {
    return existsSync(path.join(this.#folder(hash), MANIFEST_FILE));
  }

  /**
   * Stores a bundle under its hash. Idempotent: when the hash is stored already, nothing changes.
   * @returns true when this call stored it, false when it was there already.
   * @throws InvalidInputError when `code` does not hash to `hash`.
   */
  async put(bundle: CodeUpload): Promise<boolean> {
    const folder = this.#folder(bundle.hash);
    const actual = createHash("sha256").update(bundle.code).digest("hex");
    if (actual !== bundle.hash) {
      throw new InvalidInputError(
        `code bundle hash mismatch: the upload names ${bundle.hash} but its code hashes to ${actual} (sha256 of the UTF-8 text); send the sha256 hex of the exact code`,
      );
    }
    if (this.has(bundle.hash)) {
      // Same code: only the task interfaces may be new (an upload without them came first).
      if (bundle.interfaces) await this.addInterfaces(bundle.hash, bundle.interfaces);
      return false;
    }
    await mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `.${bundle.hash}.${randomBytes(6).toString("hex")}.tmp`);
    const manifest: CodeManifest = {
      hash: bundle.hash,
      entry: bundle.entry,
      externals: { ...bundle.externals },
      size: Buffer.byteLength(bundle.code),
      createdAt: Date.now(),
      ...(bundle.interfaces ? { interfaces: bundle.interfaces } : {}),
    };
    try {
      await mkdir(temp);
      await writeFile(path.join(temp, BUNDLE_FILE), bundle.code);
      await writeFile(path.join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(temp, folder);
      return true;
    } catch (error) {
      // Another upload of the same bundle got there first: it holds the same bytes, so this one is done.
      if (isAlreadyThere(error) && this.has(bundle.hash)) return false;
      throw error;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Absolute path of the bundle's module. @throws CodeNotFoundError when it was never uploaded. */
  pathOf(hash: string): string {
    this.#require(hash);
    return path.join(this.#folder(hash), BUNDLE_FILE);
  }

  /** @throws CodeNotFoundError when the bundle was never uploaded. */
  manifest(hash: string): CodeManifest {
    const known = this.#final.get(hash);
    if (known) return known;
    this.#require(hash);
    const manifest = JSON.parse(readFileSync(path.join(this.#folder(hash), MANIFEST_FILE), "utf8")) as CodeManifest;
    if (manifest.interfaces) this.#final.set(hash, manifest);
    return manifest;
  }

  /** Records the task interfaces of a stored bundle that has none yet (they never change once known). */
  async addInterfaces(hash: string, interfaces: Readonly<Record<string, readonly InputSpec[]>>): Promise<void> {
    const manifest = this.manifest(hash);
    if (manifest.interfaces) return;
    const folder = this.#folder(hash);
    const temp = path.join(folder, `.${MANIFEST_FILE}.${randomBytes(6).toString("hex")}.tmp`);
    await writeFile(temp, `${JSON.stringify({ ...manifest, interfaces }, null, 2)}\n`);
    await rename(temp, path.join(folder, MANIFEST_FILE));
  }

  #require(hash: string): void {
    if (!this.has(hash)) {
      throw new CodeNotFoundError(`no code bundle ${hash} was uploaded to this server; upload it first with PUT /v1/code/${hash} (flyte run does this)`);
    }
  }

  /** The bundle's folder; the hash is checked first, so it can never name a path outside `dir`. */
  #folder(hash: string): string {
    if (typeof hash !== "string" || !CODE_HASH.test(hash)) {
      throw new InvalidInputError(`code bundle hash: got ${JSON.stringify(hash)}; expected the sha256 of the bundle as 64 lowercase hex digits`);
    }
    return path.join(this.dir, hash);
  }
}

function isAlreadyThere(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "EEXIST" || code === "ENOTEMPTY" || code === "EPERM";
}
