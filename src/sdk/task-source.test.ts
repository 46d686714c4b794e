// Which file defined a task: the first stack frame outside flyte's own modules when env.task (or withOverrides)
// ran. A remote flyte.run bundles that file.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TaskEnvironment } from "./environment.js";
import { firstOutsideFile, taskSourceFile } from "./task-source.js";

const HERE = fileURLToPath(import.meta.url);
const SRC = path.resolve(path.dirname(HERE), "..");
const REPO = path.resolve(SRC, "..");

describe("taskSourceFile", () => {
  it("names the file that called env.task, and the one that called withOverrides", async () => {
    const env = new TaskEnvironment({ name: "task-source-test" });
    const local = env.task(async function local(x: number): Promise<number> {
      return x;
    });
    expect(taskSourceFile(local)).toBe(HERE);
    const { main } = await import("../../examples/hello.js");
    expect(taskSourceFile(main)).toBe(path.join(REPO, "examples/hello.ts"));
    const { double } = await import("../../examples/hello.js");
    expect(taskSourceFile(double.withOverrides({ retries: 1 }))).toBe(HERE);
  });

  it("is undefined for what is not a task", () => {
    expect(taskSourceFile(() => 1)).toBeUndefined();
    expect(taskSourceFile({})).toBeUndefined();
  });

  it("skips frames of flyte's own modules and of node internals, and reads file URLs and plain paths", () => {
    const stack = [
      "Error",
      `    at captureTaskSource (file://${SRC}/sdk/task-source.ts:20:9)`,
      `    at wrap (${SRC}/sdk/task.ts:170:3)`,
      "    at new Promise (<anonymous>)",
      "    at node:internal/modules/esm/module_job:195:25",
      `    at file:///home/me/project/src/tasks.ts:12:27`,
      "    at /home/me/project/other.ts:1:1",
    ].join("\n");
    expect(firstOutsideFile(stack.replace("file:///home/me/project/src/tasks.ts", "async file:///home/me/project/src/tasks.ts"))).toBe("/home/me/project/src/tasks.ts");
    expect(firstOutsideFile(stack)).toBe("/home/me/project/src/tasks.ts");
    expect(firstOutsideFile(`Error\n    at TaskEnvironment.task (${SRC}/sdk/environment.ts:80:12)\n    at /home/me/b c/x.ts:3:4`)).toBe("/home/me/b c/x.ts");
    expect(firstOutsideFile(`Error\n    at ${SRC}/sdk/environment.ts:80:12`)).toBeUndefined();
  });
});
