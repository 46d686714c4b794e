// The per-task --help text.
import { describe, expect, it } from "vitest";
import { renderTaskHelp } from "./task-help.js";
import { DATE, input, taskInterface } from "../../../test/fixtures/interface/hand-written.js";

describe("renderTaskHelp", () => {
  it("lists usage, each input with its type and status, the output and an example", () => {
    const iface = taskInterface(
      [
        input("xs", { type: "array", items: { type: "number" } }, "number[]"),
        input("maxItems", { type: "number" }, "number", { optional: true, hasDefault: true, default: 10 }),
        input("since", DATE, "Date", { optional: true }),
        input("seed", { type: "number" }, "number", { optional: true, hasDefault: true }),
        input("rest", { type: "array", items: { type: "string" } }, "string[]", { optional: true, rest: true }),
      ],
      { type: "number" },
      "number",
    );
    expect(renderTaskHelp({ ...iface, exportName: "main", taskName: "sum_all" }, "examples/my file.ts")).toBe(
      [
        "Usage: flyte run 'examples/my file.ts' main [--input value ...]",
        "",
        "Task main (task name: sum_all)",
        "",
        "Inputs:",
        `  ${"--xs <number[]>".padEnd(32)}  (required)`,
        "  --maxItems, --max-items <number>  (default: 10)",
        `  ${"--since <Date>".padEnd(32)}  (optional)`,
        `  ${"--seed <number>".padEnd(32)}  (optional; default set in code)`,
        `  ${"--rest <string[]>".padEnd(32)}  (optional; values are passed as separate arguments)`,
        "",
        "Output: number",
        "",
        "Example: flyte run 'examples/my file.ts' main --xs '[1,2,3]'",
        "",
      ].join("\n"),
    );
  });

  it("says when a task takes no inputs", () => {
    const text = renderTaskHelp(taskInterface([]), "a.ts");
    expect(text).toContain("Inputs: none");
    expect(text).toContain("Output: void");
    expect(text).toContain("Example: flyte run a.ts main\n");
  });
});
