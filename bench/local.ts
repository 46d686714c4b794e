// Local-engine benchmark (`npm run bench:local`). Each workload runs inside a persisted local run (SQLite in a
// temp folder) and, side by side in the same process, as the same functions called directly — the baseline —
// so the figures are ratios that hold on a noisy machine. Prints actions/s and per-action overhead.
// BENCH_BASELINE=<rev> compares this checkout's engine with that commit's instead (see local-baseline.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as flyte from "../src/index.js";
import { compareWithBaseline } from "./local-baseline.js";
import { median } from "./stats.js";
import { printTable } from "./table.js";

const REPEATS = Number(process.env["BENCH_REPEATS"] ?? 5);
const BASELINE = process.env["BENCH_BASELINE"];
if (BASELINE) {
  await compareWithBaseline(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), BASELINE, REPEATS);
  process.exit(0);
}
const FAN_OUT = Number(process.env["BENCH_FAN_OUT"] ?? 10_000);
const CHAIN = Number(process.env["BENCH_CHAIN"] ?? 1_000);

const dir = mkdtempSync(path.join(tmpdir(), "flyte-bench-"));
await flyte.init({ localDir: dir });
const env = new flyte.TaskEnvironment({ name: "bench" });

async function incFn(x: number): Promise<number> {
  return x + 1;
}
const inc = env.task(incFn);
const cachedInc = env.task({ name: "cachedInc", cache: "auto" }, incFn);

const fanOutAll = env.task(async function fanOutAll(n: number) {
  return (await Promise.all(Array.from({ length: n }, (_, i) => inc(i)))).length;
});
const fanOutMap = env.task(async function fanOutMap(n: number) {
  return (await flyte.map(inc, Array.from({ length: n }, (_, i) => i))).length;
});
const chain = env.task(async function chain(n: number) {
  let x = 0;
  for (let i = 0; i < n; i++) x = await inc(x);
  return x;
});
const fanOutCached = env.task(async function fanOutCached(n: number) {
  return (await Promise.all(Array.from({ length: n }, (_, i) => cachedInc(i)))).length;
});

interface Workload {
  readonly name: string;
  readonly actions: number;
  readonly engine: () => Promise<unknown>;
  readonly baseline: () => Promise<unknown>;
  readonly prepare?: () => Promise<unknown>;
}

const baselineFanOut = async (n: number): Promise<number> => (await Promise.all(Array.from({ length: n }, (_, i) => incFn(i)))).length;
const baselineChain = async (n: number): Promise<number> => {
  let x = 0;
  for (let i = 0; i < n; i++) x = await incFn(x);
  return x;
};
const inRun = async <A extends unknown[]>(task: flyte.Task<A, unknown>, ...args: A): Promise<unknown> =>
  (await flyte.withRunContext({ captureLogs: false }).run(task, ...args)).outputs();

const workloads: Workload[] = [
  { name: `fan-out ${FAN_OUT} (Promise.all)`, actions: FAN_OUT, engine: () => inRun(fanOutAll, FAN_OUT), baseline: () => baselineFanOut(FAN_OUT) },
  { name: `fan-out ${FAN_OUT} (flyte.map)`, actions: FAN_OUT, engine: () => inRun(fanOutMap, FAN_OUT), baseline: () => baselineFanOut(FAN_OUT) },
  { name: `sequential chain ${CHAIN}`, actions: CHAIN, engine: () => inRun(chain, CHAIN), baseline: () => baselineChain(CHAIN) },
  {
    name: `fan-out ${FAN_OUT}, full cache hit`,
    actions: FAN_OUT,
    prepare: () => inRun(fanOutCached, FAN_OUT),
    engine: () => inRun(fanOutCached, FAN_OUT),
    baseline: () => baselineFanOut(FAN_OUT),
  },
];

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const rows: string[][] = [];
for (const workload of workloads) {
  await workload.prepare?.();
  await workload.engine(); // warm-up: JIT, statement caches
  const engineMs: number[] = [];
  const baselineMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // Interleave so both sides see the same machine conditions.
    baselineMs.push(await timeIt(workload.baseline));
    engineMs.push(await timeIt(workload.engine));
  }
  const engine = median(engineMs);
  const baseline = median(baselineMs);
  rows.push([
    workload.name,
    engine.toFixed(1),
    baseline.toFixed(2),
    Math.round((workload.actions / engine) * 1000).toLocaleString("en-US"),
    (((engine - baseline) * 1000) / workload.actions).toFixed(1),
    (engine / baseline).toFixed(0) + "×",
  ]);
}

console.log(`local engine (SQLite, persisted), median of ${REPEATS}, Node ${process.version}`);
printTable(["workload", "engine ms", "Promise.all ms", "actions/s", "overhead µs/action", "ratio"], rows);

await flyte.shutdown();
rmSync(dir, { recursive: true, force: true });
