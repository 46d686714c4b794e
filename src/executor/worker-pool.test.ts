import { describe, expect, it } from "vitest";
import { WorkerPool, type PoolWorker } from "./worker-pool.js";

function fakeWorker(label: string, concurrency: number): PoolWorker {
  return {
    label,
    concurrency,
    attempts: new Set(),
    waiting: 0,
    idleSince: 0,
    alive: true,
    ready: Promise.resolve([]),
    exited: Promise.resolve(),
    send: () => {},
    kill: () => {},
    shutdown: () => {},
  };
}

/** A pool of attached (remote-style) workers only, so no process is started. */
function poolOf(workers: PoolWorker[]): WorkerPool {
  const pool = new WorkerPool({
    name: "test",
    settings: {} as never,
    policy: { minReplicas: 0, maxReplicas: 0, concurrency: 4, idleTtlMs: 60_000 },
    envVars: {},
    memoryLimitBytes: null,
    onMessage: () => {},
    onExit: () => {},
    log: () => {},
    local: false,
  });
  for (const worker of workers) pool.attach(worker);
  return pool;
}

function placed(pool: WorkerPool, near?: PoolWorker): PoolWorker | undefined {
  let chosen: PoolWorker | undefined;
  pool.acquire((worker) => (chosen = worker), near);
  return chosen;
}

describe("WorkerPool placement", () => {
  it("places a child on its parent's worker when that worker is as free as any other", () => {
    const [a, b, c] = [fakeWorker("a", 4), fakeWorker("b", 4), fakeWorker("c", 4)];
    const pool = poolOf([a!, b!, c!]);
    expect(placed(pool)).toBe(a);
    expect(placed(pool, c)).toBe(c);
    // The parent waits for its child, so its slot counts as free.
    c!.attempts.add(1);
    c!.waiting = 1;
    expect(placed(pool, c)).toBe(c);
    pool.close();
  });

  it("prefers a freer worker over the parent's busier one", () => {
    const [a, b] = [fakeWorker("a", 4), fakeWorker("b", 4)];
    const pool = poolOf([a!, b!]);
    b!.attempts.add(1);
    b!.attempts.add(2);
    expect(placed(pool, b)).toBe(a);
    pool.close();
  });
});
