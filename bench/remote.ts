// Control-plane benchmark (`npm run bench:remote`): the four workloads we measured peers on, run on a real
// `flyte start server` process with worker processes (SQLite, then PostgreSQL) and on local mode, in one table.
//   W1  a 1,000-step sequential chain inside one task            (ms per step)
//   W2  a 5,000-way fan-out awaited together                      (actions/s)
//   W3  the same capped at 32 in flight with flyte.map            (actions/s)
//   W4  300 one-action runs started one after another and awaited (p50 / p99 ms)
// Remote runs are started through FlyteClient with POST /v1/runs?wait=…, which answers once the run has ended.
// Peer figures are those measured on this machine with the local PostgreSQL (DBOS, graphile-worker, Restate).
// BENCH_BASELINE=<rev> also starts that commit's server beside this one's and runs every step on both in turn,
// then prints this commit against it (the same runs, so the machine's drift hits both alike).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { FlyteClient } from "../src/client/index.js";
import * as flyte from "../src/index.js";
import { describeRev, withWorktree } from "./baseline.js";
import { median, quantile } from "./stats.js";
import { printTable } from "./table.js";
import * as workloads from "./workloads.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPEATS = Number(process.env["BENCH_REPEATS"] ?? 3);
const CHAIN = 1_000;
const FAN_OUT = 5_000;
const CAP = 32;
const RUNS = 300;
/** W4 runs between the first 300 and the measured ones: V8 optimises the path of a run in client, server and
 *  workers only after some hundreds of runs, and a server that has been up for a while runs the warm path. */
const W4_WARM_UP = 1_000;
const PG_ADMIN = process.env["FLYTE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface Figures {
  w1MsPerStep: number;
  w2PerSecond: number;
  w3PerSecond: number;
  /** Median of the W4 batches' p50 (each 300 runs, after the first 300 and 1,000 more); p99 of all their runs. */
  w4P50: number;
  w4P99: number;
  /** W4 p50 of the first 300 runs (after 20), before V8 has optimised the path. */
  w4FirstP50: number;
  /** p50 of a bare request to the server (GET /v1/health), the floor under W4; NaN in local mode. */
  httpP50: number;
}

interface Target {
  /** Starts a run of `task` and resolves once it ended. */
  runToEnd(task: string, inputs: unknown[]): Promise<void>;
  /** One bare request to the server, when there is one. */
  ping?(): Promise<void>;
}

/** How long `work` takes, in ms. */
async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** `count` sequential calls of `call`, each timed (ms). */
async function latencies(count: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timed(() => call(i)));
  return times;
}

/** Runs every step on each target in turn (one target: the plain benchmark; two: side by side). */
async function measure(targets: readonly Target[]): Promise<Figures[]> {
  const each = async <T>(step: (target: Target) => Promise<T>): Promise<T[]> => {
    const results: T[] = [];
    for (const target of targets) results.push(await step(target));
    return results;
  };
  const time = (target: Target, task: string, inputs: unknown[]): Promise<number> => timed(() => target.runToEnd(task, inputs));
  const single = (t: Target) => (i: number) => t.runToEnd("bench.single", [i]);
  // Warm-up: worker pools, JIT, statement caches.
  await each((t) => time(t, "bench.chain", [50]));
  await each((t) => time(t, "bench.fanOut", [500]));
  await each(async (t) => {
    for (let i = 0; i < 20; i++) await single(t)(i);
  });
  const first = await each((t) => latencies(RUNS, single(t)));
  await each(async (t) => {
    for (let i = 0; i < W4_WARM_UP; i++) await single(t)(i);
  });
  // W4's batches take turns with the other workloads, like their repeats, so that a slow minute on this shared
  // machine moves one batch's p50 and not the figure.
  const figures = targets.map(() => ({ w1: [] as number[], w2: [] as number[], w3: [] as number[], w4: [] as number[][] }));
  for (let i = 0; i < REPEATS; i++) {
    (await each((t) => time(t, "bench.chain", [CHAIN]))).forEach((ms, k) => figures[k]!.w1.push(ms / CHAIN));
    (await each((t) => time(t, "bench.fanOut", [FAN_OUT]))).forEach((ms, k) => figures[k]!.w2.push(FAN_OUT / (ms / 1000)));
    (await each((t) => time(t, "bench.fanOutCapped", [FAN_OUT, CAP]))).forEach((ms, k) => figures[k]!.w3.push(FAN_OUT / (ms / 1000)));
    (await each((t) => latencies(RUNS, single(t)))).forEach((times, k) => figures[k]!.w4.push(times));
  }
  const pings = await each((t) => (t.ping ? latencies(RUNS, () => t.ping!()) : Promise.resolve([])));
  return figures.map(({ w1, w2, w3, w4 }, k) => ({
    httpP50: median(pings[k]!),
    w1MsPerStep: median(w1),
    w2PerSecond: median(w2),
    w3PerSecond: median(w3),
    w4P50: median(w4.map(median)),
    w4P99: quantile(w4.flat(), 0.99),
    w4FirstP50: median(first[k]!),
  }));
}

/** The `flyte start server` of the checkout at `repo`, with worker processes, and runs started over HTTP. */
async function withServer<T>(repo: string, db: string | undefined, durability: "runs" | "full", use: (target: Target) => Promise<T>): Promise<T> {
  const localDir = mkdtempSync(path.join(tmpdir(), "flyte-bench-remote-"));
  const args = [path.join(repo, "bin/flyte.js"), "start", "server", "--port", "0", "--insecure-local", "--load", path.join(repo, "bench/workloads.ts")];
  args.push("--durability", durability);
  if (db) args.push("--db", db);
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, FLYTE_LOCAL_DIR: localDir }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await listening(child);
    const client = new FlyteClient({ endpoint: url });
    return await use({
      async runToEnd(task, inputs) {
        const run = await client.createRun({ task, inputs }, { waitMs: 60_000 });
        if (run.phase !== "succeeded") throw new Error(`run of ${task} ended ${run.phase}: ${run.error?.message ?? ""}`);
      },
      async ping() {
        await client.health();
      },
    });
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(localDir, { recursive: true, force: true });
  }
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /flyte server listening on (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${out}`)));
  });
}

async function withDatabase<T>(use: (url: string) => Promise<T>): Promise<T> {
  const name = `flyte_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  try {
    return await use(PG_ADMIN.replace(/\/[^/]*$/, `/${name}`));
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Local mode: the engine in this process (SQLite), tasks in-process. */
async function local(): Promise<Figures> {
  const dir = mkdtempSync(path.join(tmpdir(), "flyte-bench-local-"));
  await flyte.init({ localDir: dir });
  const tasks: Record<string, flyte.Task> = {
    "bench.chain": workloads.chain,
    "bench.fanOut": workloads.fanOut,
    "bench.fanOutCapped": workloads.fanOutCapped,
    "bench.single": workloads.single,
  };
  try {
    const [figures] = await measure([
      {
        async runToEnd(task, inputs) {
          const run = await flyte.withRunContext({ captureLogs: false }).run(tasks[task]!, ...inputs);
          if ((await run.wait()) !== "succeeded") throw new Error(`local run of ${task} failed`);
        },
      },
    ]);
    return figures!;
  } finally {
    await flyte.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * BENCH_BACKENDS picks the columns (default: all): local, sqlite, pg (the default durability: a run's creation and
 * end wait for the disk) and pg-full (`--durability full`: every commit waits for the disk, as the peers were run).
 */
const BACKENDS = new Set((process.env["BENCH_BACKENDS"] ?? "local,sqlite,pg,pg-full").split(",").map((name) => name.trim()));
const BASELINE = process.env["BENCH_BASELINE"];
const columns: Array<[string, Figures]> = [];
/** With BENCH_BASELINE: the baseline's figures of each server column, measured in the same runs. */
const baselines = new Map<string, Figures>();

/** One server column; with a baseline checkout, its server runs every step right after this one's. */
async function serverColumn(name: string, postgresDb: boolean, durability: "runs" | "full", baselineRepo: string | undefined): Promise<void> {
  process.stderr.write(`measuring ${name}${baselineRepo ? " beside the baseline" : ""}…\n`);
  const open = <T>(use: (db: string | undefined) => Promise<T>): Promise<T> => (postgresDb ? withDatabase(use) : use(undefined));
  const [mine, theirs] = await open((db) =>
    baselineRepo
      ? open((baseDb) => withServer(REPO, db, durability, (t) => withServer(baselineRepo, baseDb, durability, (b) => measure([t, b]))))
      : withServer(REPO, db, durability, (t) => measure([t])),
  );
  columns.push([name, mine!]);
  if (theirs) baselines.set(name, theirs);
}

async function measureAll(baselineRepo: string | undefined): Promise<void> {
  if (BACKENDS.has("local")) {
    process.stderr.write("measuring local mode…\n");
    columns.push(["local (SQLite)", await local()]);
  }
  if (BACKENDS.has("sqlite")) await serverColumn("server+SQLite", false, "runs", baselineRepo);
  if (BACKENDS.has("pg")) await serverColumn("server+PostgreSQL", true, "runs", baselineRepo);
  if (BACKENDS.has("pg-full")) await serverColumn("server+PG full", true, "full", baselineRepo);
}

if (BASELINE) {
  await withWorktree(REPO, BASELINE, async (dir, note) => {
    if (note) process.stderr.write(`note: ${note}\n`);
    await measureAll(dir);
  });
} else {
  await measureAll(undefined);
}

const peers = {
  w1: { value: 1.5, who: "Restate" },
  w2: { value: 1171, who: "graphile-worker" },
  w3: { value: 1901, who: "graphile-worker" },
  w4: { value: 2.3, who: "graphile-worker" },
};
const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rows: string[][] = [
  ["W1 chain 1,000 steps (ms/step)", ...columns.map(([, f]) => fmt(f.w1MsPerStep, 3)), `${peers.w1.value} (${peers.w1.who})`, "≤ 0.5"],
  [`W2 fan-out ${fmt(FAN_OUT)} (actions/s)`, ...columns.map(([, f]) => fmt(f.w2PerSecond)), `${fmt(peers.w2.value)} (${peers.w2.who})`, "≥ 10,000"],
  [`W3 flyte.map ${fmt(FAN_OUT)} @${CAP} (actions/s)`, ...columns.map(([, f]) => fmt(f.w3PerSecond)), `${fmt(peers.w3.value)} (${peers.w3.who})`, "≥ 10,000"],
  [`W4 ${RUNS} runs p50 (ms)`, ...columns.map(([, f]) => fmt(f.w4P50, 2)), `${peers.w4.value} (${peers.w4.who})`, "≤ 1"],
  [`W4 ${RUNS} runs p99 (ms)`, ...columns.map(([, f]) => fmt(f.w4P99, 2)), "", ""],
  [`W4 first ${RUNS} runs p50 (ms)`, ...columns.map(([, f]) => fmt(f.w4FirstP50, 2)), "", ""],
  ["floor: GET /v1/health p50 (ms)", ...columns.map(([, f]) => (Number.isNaN(f.httpP50) ? "-" : fmt(f.httpP50, 2))), "", ""],
];
console.log(
  `control plane with worker processes, median of ${REPEATS} (W4: batches of ${RUNS} runs after ` +
    `${W4_WARM_UP.toLocaleString("en-US")} more, p99 of all of them; its first ${RUNS} on their own row), Node ${process.version}`,
);
printTable(["workload", ...columns.map(([name]) => name), "best peer", "target"], rows);
// The peers were measured durable on PostgreSQL: compare the column that is too when it was measured.
const fair = columns.find(([name]) => name === "server+PG full") ?? columns.find(([name]) => name.startsWith("server"));
if (fair) {
  const [name, f] = fair;
  console.log(
    `${name} vs best peer: W1 ${fmt(peers.w1.value / f.w1MsPerStep, 1)}×, W2 ${fmt(f.w2PerSecond / peers.w2.value, 1)}×, ` +
      `W3 ${fmt(f.w3PerSecond / peers.w3.value, 1)}×, W4 ${fmt(peers.w4.value / f.w4P50, 1)}× (higher is better)`,
  );
}

if (BASELINE && baselines.size > 0) {
  // Every ratio reads "times better than the baseline": above 1 this checkout is faster.
  const compared: Array<[string, (f: Figures) => number, boolean, number]> = [
    ["W1 ms/step", (f) => f.w1MsPerStep, false, 3],
    ["W2 actions/s", (f) => f.w2PerSecond, true, 0],
    ["W3 actions/s", (f) => f.w3PerSecond, true, 0],
    ["W4 p50 ms", (f) => f.w4P50, false, 2],
    ["W4 p99 ms", (f) => f.w4P99, false, 2],
    ["W4 first 300 p50 ms", (f) => f.w4FirstP50, false, 2],
  ];
  const names = [...baselines.keys()];
  const table = compared.map(([label, get, higherIsBetter, digits]) => [
    label,
    ...names.map((name) => {
      const mine = get(columns.find(([n]) => n === name)![1]);
      const theirs = get(baselines.get(name)!);
      const ratio = higherIsBetter ? mine / theirs : theirs / mine;
      return `${fmt(mine, digits)} vs ${fmt(theirs, digits)} (${fmt(ratio, 2)}×)`;
    }),
  ]);
  console.log(`\nbaseline ${describeRev(REPO, BASELINE)}: measured in the same runs, each step on both servers in turn`);
  printTable(["this checkout vs baseline", ...names], table);
}
