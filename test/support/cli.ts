// Runs the real `flyte` command (bin/flyte.js) as a child process, from the repository root (so tsx maps
// "flyte" to src/ through tsconfig paths), with its local state in a temp folder.
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FLYTE_BIN = path.join(REPO_ROOT, "bin/flyte.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  localDir: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One interface cache for every CLI the suite starts (entries are keyed by content hash and written atomically),
 * so each example's TypeScript signatures are read once per machine instead of once per test's state folder.
 */
const SHARED_INTERFACE_CACHE = path.join(os.tmpdir(), "flyte-test-interface-cache");

export function spawnFlyte(args: readonly string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, [FLYTE_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, FLYTE_LOCAL_DIR: options.localDir, FLYTE_INTERFACE_CACHE: SHARED_INTERFACE_CACHE, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`flyte did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before resolving.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

export function flyteCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return collect(spawnFlyte(args, options), options.timeoutMs);
}

/** The value printed by `flyte run` on stdout (pretty JSON). */
export function parseOutput(stdout: string): unknown {
  return JSON.parse(stdout);
}
