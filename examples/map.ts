// flyte.map with bounded concurrency: score many documents, at most `concurrency` at a time, results in order.
//   npx flyte run --local examples/map.ts scoreAll --n 40 --concurrency 4
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "map-example" });

export const score = env.task(async function score(doc: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 5 + (doc % 3) * 5));
  return (doc * 37) % 101;
});

export const scoreAll = env.task(async function scoreAll(n: number, concurrency = 8): Promise<{ best: number; scores: number[] }> {
  const docs = Array.from({ length: n }, (_, i) => i);
  const scores = await flyte.map(score, docs, { concurrency, groupName: "scoring" });
  return { best: docs[scores.indexOf(Math.max(...scores))] ?? -1, scores };
});
