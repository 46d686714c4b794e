import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCode, isRetryable } from "../errors/index.js";
import { SecretMounts } from "./secret-mounts.js";

let root: string;
let state: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "flyte-mounts-"));
  state = path.join(root, "state");
  mkdirSync(state);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function mounts(): SecretMounts {
  return new SecretMounts({ protectedDirs: [state], ledger: path.join(state, "secret-mounts.json"), writer: "the test" });
}

function refusal(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal");
}

const request = (mountPath: string, value = "v1", scope = "project p, domain d") => ({ label: "db/pass", scope, mountPath, value });

describe("SecretMounts", () => {
  it("writes the file 0600 in folders it creates 0700, shares it between holders, and removes both when the last lets go", () => {
    const m = mounts();
    const file = path.join(root, "run", "secrets", "db");
    m.acquire("pool-a", request(file));
    m.acquire("pool-b", request(file));
    expect(readFileSync(file, "utf8")).toBe("v1");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(root, "run")).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path.join(state, "secret-mounts.json"), "utf8"))).toEqual({ paths: [file] });
    m.release("pool-a");
    expect(existsSync(file)).toBe(true);
    m.release("pool-b");
    expect(existsSync(file)).toBe(false);
    expect(existsSync(path.join(root, "run"))).toBe(false);
    expect(existsSync(path.join(state, "secret-mounts.json"))).toBe(false);
  });

  it("refuses a path inside the state folder, also through a symlink, without writing anything", () => {
    const m = mounts();
    const inside = refusal(() => m.acquire("p", request(path.join(state, "leak"))));
    expect(errorCode(inside)).toBe("SECRET_MOUNT");
    expect(isRetryable(inside)).toBe(false);
    expect(inside.message).toContain(`inside ${state}`);
    symlinkSync(state, path.join(root, "link"));
    expect(errorCode(refusal(() => m.acquire("p", request(path.join(root, "link", "sub", "leak")))))).toBe("SECRET_MOUNT");
    expect(existsSync(path.join(state, "sub"))).toBe(false);
    expect(m.paths).toEqual([]);
  });

  it("refuses a file it did not write, and another scope's different value at the same path", () => {
    const m = mounts();
    const foreign = path.join(root, "foreign");
    writeFileSync(foreign, "someone else's");
    expect(refusal(() => m.acquire("p", request(foreign))).message).toContain("a file is already there that the test did not write");
    expect(readFileSync(foreign, "utf8")).toBe("someone else's");

    const shared = path.join(root, "shared");
    m.acquire("p1", request(shared, "v1", "project a, domain d"));
    const clash = refusal(() => m.acquire("p2", request(shared, "v2", "project b, domain d")));
    expect(clash.message).toContain("two scopes cannot share one path on one host");
    expect(clash.message).not.toContain("v1");
    // The same value from another scope may share it; a new value of the same scope replaces it (rotation).
    m.acquire("p3", request(shared, "v1", "project b, domain d"));
    m.acquire("p4", request(shared, "v1b", "project a, domain d"));
    expect(readFileSync(shared, "utf8")).toBe("v1b");
    m.removeAll();
    expect(existsSync(shared)).toBe(false);
  });

  it("names the path and the fix when the file cannot be written", () => {
    const m = mounts();
    const notADir = path.join(root, "plain-file");
    writeFileSync(notADir, "x");
    const error = refusal(() => m.acquire("p", request(path.join(notADir, "secret"))));
    expect(errorCode(error)).toBe("SECRET_MOUNT");
    expect(error.message).toContain(`cannot write secret "db/pass" to ${path.join(notADir, "secret")} (ENOTDIR)`);
    expect(error.message).toContain("choose a mountPath it can write");
  });

  it("takes back a file its previous process left behind when it was killed", () => {
    const file = path.join(root, "left", "behind");
    mounts().acquire("p", request(file, "old"));
    // A new process (same ledger): the old one never removed its file.
    const next = mounts();
    next.acquire("p", request(file, "new"));
    expect(readFileSync(file, "utf8")).toBe("new");
    next.removeAll();
    expect(existsSync(file)).toBe(false);
  });
});
