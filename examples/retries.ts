// Retries: a flaky task fails its first attempts and succeeds within its retry budget; every attempt is recorded.
//   npx flyte run --local examples/retries.ts main --failures 2
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "retries-example" });

export const flaky = env.task({ retries: { count: 3, backoff: "10ms" } }, async function flaky(failures: number): Promise<string> {
  const { attempt } = flyte.ctx()!;
  if (attempt <= failures) throw new Error(`transient failure on attempt ${attempt}`);
  return `succeeded on attempt ${attempt}`;
});

export const main = env.task(async function main(failures = 2): Promise<string> {
  return flaky(failures);
});
