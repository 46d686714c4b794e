// `BENCH_BASELINE=<rev> npm run bench:local`: this checkout's local benchmark against an earlier commit's, run as
// separate processes taking turns (this, baseline, this, …), since two engines cannot share one process. Each
// process measures every workload once; the table gives the median engine time of each side and their ratio.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describeRev, withWorktree } from "./baseline.js";
import { median } from "./stats.js";
import { printTable } from "./table.js";

/** Workload name → engine ms, read from one run's table (the column after the name). */
function engineTimes(output: string): Map<string, number> {
  const times = new Map<string, number>();
  const lines = output.split("\n");
  const header = lines.findIndex((line) => line.startsWith("workload"));
  for (const line of lines.slice(header + 1)) {
    const match = /^(.+?)\s{2,}([\d.]+)\s{2,}/.exec(line);
    if (match) times.set(match[1]!, Number(match[2]));
  }
  if (header < 0 || times.size === 0) throw new Error(`cannot read the benchmark's table from:\n${output}`);
  return times;
}

function runOnce(root: string): Map<string, number> {
  const output = execFileSync(process.execPath, ["--import", "tsx", path.join(root, "bench/local.ts")], {
    cwd: root,
    env: { ...process.env, BENCH_REPEATS: "1", BENCH_BASELINE: "" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return engineTimes(output);
}

export async function compareWithBaseline(repo: string, rev: string, repeats: number): Promise<void> {
  await withWorktree(repo, rev, async (dir, note) => {
    if (note) process.stderr.write(`note: ${note}\n`);
    const mine = new Map<string, number[]>();
    const theirs = new Map<string, number[]>();
    for (let i = 0; i < repeats; i++) {
      process.stderr.write(`round ${i + 1} of ${repeats}…\n`);
      for (const [root, into] of [[repo, mine], [dir, theirs]] as const) {
        for (const [name, ms] of runOnce(root)) into.set(name, [...(into.get(name) ?? []), ms]);
      }
    }
    const rows = [...mine.keys()]
      .filter((name) => theirs.has(name))
      .map((name) => {
        const a = median(mine.get(name)!);
        const b = median(theirs.get(name)!);
        return [name, a.toFixed(1), b.toFixed(1), `${(b / a).toFixed(2)}×`];
      });
    console.log(`local engine, this checkout vs ${describeRev(repo, rev)}: median of ${repeats} processes each, taking turns`);
    printTable(["workload", "this ms", "baseline ms", "speed-up"], rows);
  });
}
