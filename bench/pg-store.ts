// PostgreSQL RunStore micro-benchmark (`npm run bench:pg`): commit latency of the control plane's
// latency-bound write shapes (W1 chain steps, W4 one-action runs, small W2 fan-outs) and throughput of large batches, against the
// real server on a fresh database that is dropped afterwards. Floors (a bare round trip, a bare durable commit)
// are printed beside the figures so they can be read on any machine. Set FLYTE_BENCH_POSTGRES_URL to an admin DB.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openPostgresStore, type ActionRecord, type PostgresRunStore, type RunRecord, type WriteOp } from "../src/store/index.js";
import { quantile } from "./stats.js";

const ADMIN_URL = process.env["FLYTE_BENCH_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const STEPS = Number(process.env["BENCH_STEPS"] ?? 2_000);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 1_000);
const BATCHES = Number(process.env["BENCH_BATCHES"] ?? 20);
const BATCH = 1_000;
/** Actions in the table before the "large table" figures are taken. */
const FILL = Number(process.env["BENCH_FILL"] ?? 100_000);

const run = (name: string): RunRecord => ({
  name,
  project: "p",
  domain: "d",
  taskName: "bench.main",
  phase: "running",
  inputs: "[1]",
  outputs: null,
  error: null,
  labels: {},
  createdAt: Date.now(),
  endedAt: null,
  abortRequested: null,
});

const action = (runName: string, name: string, seq: number): ActionRecord => ({
  runName,
  name,
  parentName: name === "a0" ? null : "a0",
  type: "task",
  taskName: "bench.inc",
  group: null,
  seq,
  phase: "queued",
  attempt: 1,
  inputs: `[${seq}]`,
  outputs: null,
  error: null,
  cacheKey: null,
  cacheStatus: "disabled",
  createdAt: Date.now(),
  startedAt: null,
  endedAt: null,
});

/** The outcome of an action's first attempt: what the engine writes when a task returns. */
const outcome = (runName: string, name: string): WriteOp[] => [
  {
    op: "action.transition",
    transition: { runName, name, phase: "succeeded", attempt: 1, startedAt: Date.now(), endedAt: Date.now(), outputs: "[2]" },
  },
  {
    op: "attempt.insert",
    attempt: { runName, actionName: name, attempt: 1, phase: "succeeded", startedAt: Date.now(), endedAt: Date.now(), error: null },
  },
];

const ms = (n: number): string => `${n.toFixed(3)} ms`;

function report(name: string, samples: readonly number[]): void {
  console.log(`  ${name.padEnd(44)} p50 ${ms(quantile(samples, 0.5))}  p90 ${ms(quantile(samples, 0.9))}  p99 ${ms(quantile(samples, 0.99))}`);
}

async function timed(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}

async function floors(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await sql`CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT GENERATED ALWAYS AS IDENTITY, v TEXT)`;
    const trips: number[] = [];
    const commits: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      trips.push(await timed(() => sql`SELECT ${i}::int AS i`));
      commits.push(await timed(() => sql`INSERT INTO bench_floor (v) VALUES (${String(i)})`));
    }
    console.log("floors (one connection, prepared statements)");
    report("round trip (SELECT $1)", trips.slice(200));
    report("durable commit (one-row autocommit INSERT)", commits.slice(200));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** W1: each step commits the child's insert, then its outcome, one after the other. */
async function chain(store: PostgresRunStore, runName: string, steps: number): Promise<void> {
  await store.write([{ op: "run.insert", run: run(runName) }, { op: "action.insert", action: action(runName, "a0", 0) }]);
  const inserts: number[] = [];
  const outcomes: number[] = [];
  const whole: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const name = `a${i}`;
    const insert = await timed(() => store.write([{ op: "action.insert", action: action(runName, name, i) }]));
    const done = await timed(() => store.write(outcome(runName, name)));
    inserts.push(insert);
    outcomes.push(done);
    whole.push(insert + done);
  }
  const warm = Math.floor(steps / 10);
  report("W1 [action.insert]", inserts.slice(warm));
  report("W1 [action.transition + attempt.insert]", outcomes.slice(warm));
  report("W1 both commits of a step", whole.slice(warm));
  report("W1 all commits", [...inserts.slice(warm), ...outcomes.slice(warm)]);
}

/** W4: a one-action run: run + root action inserted, then the root's outcome and the run's. */
async function singles(store: PostgresRunStore, prefix: string, runs: number): Promise<void> {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < runs; i++) {
    const runName = `${prefix}${i}`;
    starts.push(
      await timed(() =>
        store.write([{ op: "run.insert", run: run(runName) }, { op: "action.insert", action: action(runName, "a0", 0) }]),
      ),
    );
    ends.push(
      await timed(() =>
        store.write([
          ...outcome(runName, "a0"),
          { op: "run.transition", transition: { name: runName, phase: "succeeded", endedAt: Date.now(), outputs: "[2]" } },
        ]),
      ),
    );
  }
  const warm = Math.floor(runs / 10);
  report("W4 [run.insert + action.insert]", starts.slice(warm));
  report("W4 [transition + attempt + run.transition]", ends.slice(warm));
}

/** W2-like: `width` children inserted in one batch, then their outcomes in the next. */
async function fanOut(store: PostgresRunStore, runName: string, rounds: number, width: number): Promise<void> {
  await store.write([{ op: "run.insert", run: run(runName) }, { op: "action.insert", action: action(runName, "a0", 0) }]);
  const inserts: number[] = [];
  const outcomes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const names = Array.from({ length: width }, (_, i) => `a${1 + r * width + i}`);
    inserts.push(
      await timed(() => store.write(names.map((name, i) => ({ op: "action.insert", action: action(runName, name, r * width + i) })))),
    );
    outcomes.push(await timed(() => store.write(names.flatMap((name) => outcome(runName, name)))));
  }
  const warm = Math.floor(rounds / 10);
  report(`W2 [${width} action.insert]`, inserts.slice(warm));
  report(`W2 [${width} × (transition + attempt)]`, outcomes.slice(warm));
}

/** Batches of 1,000 action inserts plus a transition of each; returns the time of each batch. */
async function bulk(store: PostgresRunStore, runName: string, batches: number, from: number): Promise<number[]> {
  const times: number[] = [];
  for (let b = 0; b < batches; b++) {
    const ops: WriteOp[] = [];
    for (let i = 0; i < BATCH; i++) {
      const seq = from + b * BATCH + i;
      ops.push({ op: "action.insert", action: action(runName, `a${seq}`, seq) });
    }
    for (let i = 0; i < BATCH; i++) {
      const seq = from + b * BATCH + i;
      ops.push({ op: "action.transition", transition: { runName, name: `a${seq}`, phase: "running", attempt: 1, startedAt: seq } });
    }
    times.push(await timed(() => store.write(ops)));
  }
  return times;
}

function throughput(name: string, times: readonly number[], opsPerBatch: number): void {
  const median = quantile(times, 0.5);
  console.log(`  ${name.padEnd(44)} p50 ${ms(median)} per batch, ${Math.round((opsPerBatch * 1000) / median)} ops/s`);
}

const dbName = `flyte_bench_${randomBytes(6).toString("hex")}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
try {
  await floors(url.toString());
  const store = await openPostgresStore(url.toString(), { schema: "bench" });
  try {
    console.log(`commit latency, small table (W1: ${STEPS} steps, W4: ${RUNS} runs)`);
    await chain(store, "chain-small", STEPS);
    await singles(store, "single-small-", RUNS);
    await fanOut(store, "fan-small", Math.ceil(RUNS / 2), 10);

    console.log(`throughput, ${BATCHES} batches of ${BATCH} action.insert + ${BATCH} action.transition`);
    throughput("insert + transition batch", await bulk(store, "bulk", BATCHES, 0), 2 * BATCH);

    const filled = BATCHES * BATCH;
    const more = Math.max(0, Math.ceil((FILL - filled) / BATCH));
    const fill = await bulk(store, "bulk", more, filled);
    if (fill.length > 0) {
      const total = fill.reduce((sum, t) => sum + t, 0);
      console.log(
        `  growing to ${FILL} actions: ${more} more batches, p50 ${ms(quantile(fill, 0.5))}, ` +
          `max ${ms(Math.max(...fill))}, total ${(total / 1000).toFixed(1)} s`,
      );
    }
    const bulkActions = filled + more * BATCH;
    const [{ n } = { n: 0 }] = await store.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM actions`;
    console.log(`large table (${n} actions)`);
    const moves: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const ops: WriteOp[] = Array.from({ length: BATCH }, (_, i) => ({
        op: "action.transition",
        transition: { runName: "bulk", name: `a${(b * 4_999 + i * 97) % bulkActions}`, phase: "succeeded", attempt: 1, endedAt: b },
      }));
      moves.push(await timed(() => store.write(ops)));
    }
    throughput("1,000 transitions of existing actions", moves, BATCH);
    await chain(store, "chain-large", Math.min(STEPS, 1_000));
  } finally {
    await store.close();
  }
} finally {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end({ timeout: 5 });
}
