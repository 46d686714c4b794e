// A checkout of an earlier commit next to this one, for benchmarks that measure both side by side in one run
// (BENCH_BASELINE=<rev>). It shares this checkout's node_modules: a baseline whose package-lock.json differs is
// measured with this checkout's packages, which the benchmark says.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Runs `use` with a worktree of `rev` of the repository at `repo`; removes the worktree afterwards. */
export async function withWorktree<T>(repo: string, rev: string, use: (dir: string, note: string | undefined) => Promise<T>): Promise<T> {
  const git = (...args: string[]): string => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
  let commit: string;
  try {
    commit = git("rev-parse", "--verify", `${rev}^{commit}`);
  } catch {
    throw new Error(`BENCH_BASELINE=${rev} names no commit of ${repo}; give a commit, tag or branch (e.g. HEAD~1)`);
  }
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "flyte-baseline-")), "repo");
  git("worktree", "add", "--detach", dir, commit);
  try {
    symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
    const lock = (root: string): string => (existsSync(path.join(root, "package-lock.json")) ? readFileSync(path.join(root, "package-lock.json"), "utf8") : "");
    const note = lock(dir) === lock(repo) ? undefined : `${rev}'s package-lock.json differs: it ran with this checkout's packages`;
    return await use(dir, note);
  } finally {
    git("worktree", "remove", "--force", dir);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
}

/** The short hash and subject of `rev`, to name the baseline in a table. */
export function describeRev(repo: string, rev: string): string {
  return execFileSync("git", ["-C", repo, "log", "-1", "--format=%h %s", rev], { encoding: "utf8" }).trim().slice(0, 60);
}
