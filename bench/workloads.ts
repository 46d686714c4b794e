// The four workloads we measure peers on (see bench/remote.ts), as tasks a server's workers load:
// W1 a sequential chain inside one task, W2 a fan-out awaited together, W3 the same capped with flyte.map,
// W4 a one-action run (started many times from a client).
import * as flyte from "flyte";

export const env = new flyte.TaskEnvironment({ name: "bench" });

export const inc = env.task(async function inc(x: number): Promise<number> {
  return x + 1;
});

export const chain = env.task(async function chain(n: number): Promise<number> {
  let x = 0;
  for (let i = 0; i < n; i++) x = await inc(x);
  return x;
});

export const fanOut = env.task(async function fanOut(n: number): Promise<number> {
  return (await Promise.all(Array.from({ length: n }, (_, i) => inc(i)))).length;
});

export const fanOutCapped = env.task(async function fanOutCapped(n: number, concurrency: number): Promise<number> {
  return (await flyte.map(inc, Array.from({ length: n }, (_, i) => i), { concurrency })).length;
});

export const single = env.task(async function single(x: number): Promise<number> {
  return x + 1;
});
