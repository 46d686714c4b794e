// Error handling: a child's error reaches the parent with its class, so the parent can catch exactly what it
// expects and recover; anything else fails the run with the child's error.
//   npx flyte run --local examples/errors.ts charge --amounts '[10, 2000, 30]'
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "errors-example" });

export class LimitExceeded extends Error {
  override name = "LimitExceeded";
}
flyte.errors.registerErrorClass(LimitExceeded);

export const chargeOne = env.task(async function chargeOne(amount: number): Promise<string> {
  if (amount > 1000) throw new LimitExceeded(`amount ${amount} is over the limit of 1000`);
  if (amount < 0) throw new flyte.errors.NonRecoverableError(`negative amount ${amount}`);
  return `charged ${amount}`;
});

export const charge = env.task(async function charge(amounts: number[]): Promise<string[]> {
  const results: string[] = [];
  for (const amount of amounts) {
    try {
      results.push(await chargeOne(amount));
    } catch (error) {
      if (!(error instanceof LimitExceeded)) throw error; // only the expected error is handled
      results.push(`declined: ${error.message}`);
    }
  }
  return results;
});
