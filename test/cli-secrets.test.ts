// `flyte create|get|delete secret` as a real process against a real server: values from a pipe, a file and the
// command line; listing; deleting; exit codes; and no plaintext value in any output or file but the encrypted store.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect, FLYTE_BIN, flyteCli, type CliResult } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { useTestServer } from "./support/server.js";

const ctx = useTestServer();
const cwd = tempDir("flyte-secrets-cli-");
const localDir = tempDir("flyte-secrets-cli-state-");
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(localDir, { recursive: true, force: true });
});

const PIPED = "piped-VALUE-a91c0e";
const FROM_FILE = "file-VALUE-5be2d7";
const outputs: CliResult[] = [];

function env(): Record<string, string> {
  return { FLYTE_API_TOKEN: ctx.server.token ?? "" };
}

async function flyte(args: readonly string[]): Promise<CliResult> {
  const result = await flyteCli([...args, "--endpoint", ctx.server.url], { localDir, cwd, env: env() });
  outputs.push(result);
  return result;
}

/** Runs flyte with `input` written to its stdin (a pipe, not a terminal). */
async function flyteWithStdin(args: readonly string[], input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [FLYTE_BIN, ...args, "--endpoint", ctx.server.url], {
    cwd,
    env: { ...process.env, FLYTE_LOCAL_DIR: localDir, NO_COLOR: "1", ...env() },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(input);
  const result = await collect(child);
  outputs.push(result);
  return result;
}

function resolveValue(key: string, group?: string): string | undefined {
  const ref = group === undefined ? { key } : { key, group };
  return ctx.server.server.secrets.resolve({ project: "default", domain: "development" }, [ref]).get(ref);
}

describe("flyte create|get|delete secret", () => {
  it("creates a secret from a pipe, trimming one trailing newline, and never prints it", async () => {
    const created = await flyteWithStdin(["create", "secret", "db-pass"], `${PIPED}\n`);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("created secret db-pass in project default, domain development");
    expect(resolveValue("db-pass")).toBe(PIPED);

    const replaced = await flyteWithStdin(["create", "secret", "db-pass"], `${PIPED}-2\r\n\n`);
    expect(replaced.stdout).toContain("replaced secret db-pass");
    // Only one newline is trimmed: the value keeps the rest.
    expect(resolveValue("db-pass")).toBe(`${PIPED}-2\r\n`);
  });

  it("creates a secret from --from-file exactly as the file holds it, in a group", async () => {
    writeFileSync(path.join(cwd, "token.txt"), `${FROM_FILE}\n`);
    const created = await flyte(["create", "secret", "token", "--from-file", "token.txt", "--group", "openai"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("created secret openai/token");
    expect(resolveValue("token", "openai")).toBe(`${FROM_FILE}\n`);
  });

  it("lists names and groups, as a table and as JSON", async () => {
    const table = await flyte(["get", "secret"]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+GROUP\s+UPDATED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([["db-pass", "-"], ["token", "openai"]]);
    const json = await flyte(["get", "secret", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ name: "db-pass", group: null, project: "default", domain: "development" }),
      expect.objectContaining({ name: "token", group: "openai" }),
    ]);
    const elsewhere = await flyte(["get", "secret", "--project", "other"]);
    expect(elsewhere.stdout).toContain("no secrets in project other, domain development");
  });

  it("rejects bad usage with exit code 2 before contacting the server", async () => {
    const both = await flyte(["create", "secret", "x", "value", "--from-file", "token.txt"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("either as VALUE or with --from-file");
    const badName = await flyte(["create", "secret", "a/b", "value"]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('the secret name must be letters, digits, "_", "." or "-", got "a/b"');
    const empty = await flyteWithStdin(["create", "secret", "empty"], "\n");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("the value of secret empty is empty");
    const noFile = await flyte(["create", "secret", "x", "--from-file", "missing.txt"]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("ENOENT");
    const noServer = await flyteCli(["get", "secret"], { localDir, cwd, env: env() });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("needs a Flyte server");
    const badProject = await flyte(["get", "secret", "--project", "Bad"]);
    expect(badProject.code).toBe(2);
  });

  it("reports a wrong token as one line with exit code 1", async () => {
    const result = await flyteCli(["get", "secret", "--endpoint", ctx.server.url], { localDir, cwd, env: { FLYTE_API_TOKEN: "wrong-token-0123456789" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*rejected the API token/);
  });

  it("deletes a secret; deleting it again fails with exit code 1 naming it", async () => {
    const deleted = await flyte(["delete", "secret", "token", "--group", "openai"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain("deleted secret openai/token from project default, domain development");
    const again = await flyte(["delete", "secret", "token", "--group", "openai"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error: secret "openai/token" does not exist in project default, domain development');
    const listed = await flyte(["get", "secret", "--json"]);
    expect(JSON.parse(listed.stdout).map((s: { name: string }) => s.name)).toEqual(["db-pass"]);
  });

  it("refuses to start a server with a malformed FLYTE_SECRETS_KEY, in one line", async () => {
    const dir = tempDir("flyte-secrets-badkey-");
    try {
      const result = await flyteCli(["start", "server", "--port", "0", "--insecure-local"], { localDir: dir, cwd, env: { FLYTE_SECRETS_KEY: "not-a-key" } });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^error: FLYTE_SECRETS_KEY must hold 32 random bytes in base64 .* it holds 9 characters that are not such a key$/);
      expect(result.stderr).not.toContain("not-a-key");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves no plaintext value in any output or in any file of the server, the CLI's state or its folder", () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const { stdout, stderr } of outputs) {
      for (const value of [PIPED, FROM_FILE]) {
        expect(stdout).not.toContain(value);
        expect(stderr).not.toContain(value);
      }
    }
    for (const line of ctx.server.logs) expect(line).not.toContain(PIPED);
    let sawStore = false;
    for (const dir of [ctx.server.localDir, localDir, cwd]) {
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        if (file === path.join(ctx.server.localDir, "secrets.json")) sawStore = true;
        const bytes = readFileSync(file);
        expect(bytes.includes(Buffer.from(PIPED)), file).toBe(false);
        // The CLI read FROM_FILE from cwd/token.txt; that file is the user's own.
        if (file !== path.join(cwd, "token.txt")) expect(bytes.includes(Buffer.from(FROM_FILE)), file).toBe(false);
      }
    }
    expect(sawStore).toBe(true);
  });
});
