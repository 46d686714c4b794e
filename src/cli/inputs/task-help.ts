// renderTaskHelp: the `--help` text of one task: usage, one line per input (flag, type, required / default /
// optional) and the output type, plus a ready-to-paste example command.
import type { InputSpec, TaskInterface } from "../../deploy/interface/index.js";
import { exampleFlag, shellQuote } from "./examples.js";
import { kebabCase } from "./flag-values.js";

/**
 * @example renderTaskHelp(main, "examples/hello.ts")
 * // Usage: flyte run examples/hello.ts main [--input value ...]
 */
export function renderTaskHelp(iface: TaskInterface, file: string): string {
  const command = `flyte run ${shellQuote(file)} ${iface.exportName}`;
  const lines = [`Usage: ${command} [--input value ...]`, ""];
  const renamed = iface.taskName !== iface.exportName ? ` (task name: ${iface.taskName})` : "";
  lines.push(`Task ${iface.exportName}${renamed}`, "");
  if (iface.inputs.length === 0) {
    lines.push("Inputs: none");
  } else {
    lines.push("Inputs:");
    const heads = iface.inputs.map(flagHead);
    const width = Math.max(...heads.map((head) => head.length));
    iface.inputs.forEach((input, i) => lines.push(`  ${heads[i]!.padEnd(width)}  (${status(input)})`));
  }
  lines.push("", `Output: ${iface.outputTypeText}`);
  const required = iface.inputs.filter((input) => !input.optional && !input.hasDefault);
  lines.push("", `Example: ${[command, ...required.map(exampleFlag)].join(" ")}`);
  return `${lines.join("\n")}\n`;
}

function flagHead(input: InputSpec): string {
  const kebab = kebabCase(input.name);
  const alias = kebab !== input.name ? `, --${kebab}` : "";
  return `--${input.name}${alias} <${input.typeText}>`;
}

function status(input: InputSpec): string {
  if (input.rest) return "optional; values are passed as separate arguments";
  if ("default" in input) return `default: ${JSON.stringify(input.default)}`;
  if (input.hasDefault) return "optional; default set in code";
  return input.optional ? "optional" : "required";
}
