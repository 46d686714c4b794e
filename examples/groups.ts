// flyte.group: related actions are recorded (and shown) together; groups nest.
//   npx flyte run --local examples/groups.ts train --epochs 2
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "groups-example" });

export const step = env.task(async function step(epoch: number, batch: number): Promise<number> {
  return 1 / (1 + epoch * 4 + batch);
});

export const train = env.task(async function train(epochs = 2, batches = 3): Promise<number> {
  let loss = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const losses = await flyte.group(`epoch-${epoch}`, () => Promise.all(Array.from({ length: batches }, (_, b) => step(epoch, b))));
    loss = losses.reduce((a, b) => a + b, 0) / batches;
  }
  return loss;
});
