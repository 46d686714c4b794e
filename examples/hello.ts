// Hello, Flyte: a workflow is a task that awaits other tasks. Fans out with Promise.all, caps a second fan-out
// with flyte.map, checkpoints a slow call with flyte.trace, groups actions, and prints what the run recorded.
//   npm run example            (state goes to .flyte/ in the working directory)
import * as flyte from "flyte";

export const env = new flyte.TaskEnvironment({ name: "hello" });

export const double = env.task({ cache: "auto" }, async function double(x: number): Promise<number> {
  return x * 2;
});

export const describe = env.task({ retries: 2 }, async function describe(total: number): Promise<string> {
  return `the doubled sum is ${total}`;
});

const fetchGreeting = flyte.trace(async function fetchGreeting(name: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 10)); // stands in for a slow API call
  return `hello, ${name}`;
});

export const main = env.task(async function main(xs: number[]): Promise<{ greeting: string; sum: number; summary: string }> {
  const greeting = await fetchGreeting("flyte");
  const doubled = await flyte.group("double-all", () => Promise.all(xs.map((x) => double(x))));
  const again = await flyte.map(double, doubled, { concurrency: 4 });
  const sum = again.reduce((a, b) => a + b, 0);
  return { greeting, sum, summary: await describe(sum) };
});

// Run it when executed directly (not when imported by tests or the CLI).
if (import.meta.url === `file://${process.argv[1]}`) {
  const xs = process.argv[2] ? (JSON.parse(process.argv[2]) as number[]) : [1, 2, 3, 4, 5];
  const run = await flyte.run(main, xs);
  const output = await run.outputs();
  const actions = await run.actions();
  console.log(JSON.stringify(output, null, 2));
  console.log(`run ${run.name}: ${run.phase}, ${actions.length} actions (${actions.filter((a) => a.cacheStatus === "hit").length} cache hits)`);
  await flyte.shutdown();
}
