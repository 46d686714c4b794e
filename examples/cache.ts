// Caching: the second run with the same inputs executes nothing; change the inputs or the version and it runs.
//   npx flyte run --local examples/cache.ts pipeline --words '["a","bb"]'   (run it twice)
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "cache-example", cache: "auto" });

export const embed = env.task(async function embed(word: string): Promise<number[]> {
  console.log(`embedding ${word}`); // printed only when the task really runs
  return [...word].map((ch) => ch.charCodeAt(0) / 128);
});

export const pipeline = env.task({ cache: "override", cacheVersion: "v1" }, async function pipeline(words: string[]): Promise<number> {
  const vectors = await Promise.all(words.map((w) => embed(w)));
  return vectors.reduce((sum, v) => sum + v.length, 0);
});
