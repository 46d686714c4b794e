// flyte.trace: checkpoints inside a task. Each traced call is recorded; when the task is retried (or the run
// resumed) the recorded results are reused instead of calling the slow function again.
//   npx flyte run --local examples/traces.ts agent --question "why is the sky blue"
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "traces-example" });

const callModel = flyte.trace(async function callModel(prompt: string): Promise<string> {
  console.log(`calling the model: ${prompt}`);
  await new Promise((resolve) => setTimeout(resolve, 20)); // a slow, costly API call
  return `answer(${prompt.length})`;
});

export const agent = env.task({ retries: 1 }, async function agent(question: string, failOnce = true): Promise<string[]> {
  const plan = await callModel(`plan: ${question}`);
  const answer = await callModel(`answer: ${question} using ${plan}`);
  // The first attempt fails after both calls; the retry reuses both recorded results.
  if (failOnce && flyte.ctx()!.attempt === 1) throw new Error("tool crashed after the model calls");
  return [plan, answer];
});
