// Runs `npm install` of exact package versions into one folder, for a code bundle's npm dependencies. The folder
// gets a package.json naming them, so it records what it holds; no lockfile, audit or funding noise. A failure
// (or a hung registry, after a timeout) becomes a DependencyInstallError with npm's last error lines.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { DependencyInstallError } from "../errors/index.js";

export interface NpmInstallOptions {
  /** Kill npm after this long (default 5 minutes): a registry that never answers must not hang a load. */
  readonly timeoutMs?: number | undefined;
  /** The npm executable (default "npm" on the PATH). */
  readonly npm?: string | undefined;
}

/** Installs `packages` (name → exact version) into `<dir>/node_modules`. @throws DependencyInstallError */
export async function npmInstall(
  dir: string,
  packages: Readonly<Record<string, string>>,
  describe: string,
  options: NpmInstallOptions = {},
): Promise<void> {
  const specs = Object.entries(packages).map(([name, version]) => `${name}@${version}`);
  await writeFile(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "flyte-deps", private: true, description: describe, dependencies: packages }, null, 2)}\n`,
  );
  const args = ["install", "--no-save", "--no-audit", "--no-fund", "--no-package-lock", "--no-update-notifier", "--prefix", dir];
  const { code, stderr, failure } = await run(options.npm ?? "npm", args, dir, options.timeoutMs ?? 5 * 60_000);
  if (code === 0 && failure === undefined) return;
  const why = failure ?? `npm exited with code ${code}`;
  throw new DependencyInstallError(
    `cannot install the npm packages of ${describe}: ${specs.join(", ")} (${why}); check that these versions exist on ` +
      `the registry (npm view NAME@VERSION) and that this host can reach it, or install them where the workers resolve ` +
      `imports from (the server's working directory) so that no install is needed` +
      (stderr === "" ? "" : `. npm said:\n${stderr}`),
  );
}

interface NpmOutcome {
  readonly code: number | null;
  /** npm's last error lines (warnings dropped), for the message. */
  readonly stderr: string;
  /** Why npm did not finish on its own (not found, timed out). */
  readonly failure?: string | undefined;
}

function run(npm: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<NpmOutcome> {
  return new Promise((resolve) => {
    const child = spawn(npm, args, { cwd, stdio: ["ignore", "ignore", "pipe"], env: process.env });
    let stderr = "";
    let failure: string | undefined;
    child.stderr.on("data", (chunk: Buffer) => {
      // Only the tail is ever shown; keep memory bounded on a chatty install.
      stderr = (stderr + chunk.toString("utf8")).slice(-64 * 1024);
    });
    const timer = setTimeout(() => {
      failure = `npm did not finish within ${Math.round(timeoutMs / 1000)} s`;
      child.kill("SIGKILL");
    }, timeoutMs);
    const settle = (code: number | null): void => {
      clearTimeout(timer);
      resolve({ code, stderr: errorTail(stderr), failure });
    };
    // A spawn failure (npm not on the PATH) may or may not be followed by "close"; resolving twice is harmless.
    child.once("error", (error) => {
      failure ??= `cannot start ${npm}: ${error.message}; install npm on this host`;
      settle(null);
    });
    child.once("close", settle);
  });
}

/** The last lines npm wrote, without its warnings (config notices drown the one line that says what failed). */
export function errorTail(stderr: string, lines = 8): string {
  const kept = stderr
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "" && !/^npm warn/i.test(line) && !/complete log of this run/i.test(line));
  return kept.slice(-lines).join("\n");
}
