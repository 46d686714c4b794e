// The CLI's task-input part: typed `--name value` flags parsed and validated against a task's interface before
// anything runs, and the per-task --help text. Other parts import from here only.
export { UsageError } from "./usage-error.js";
export { parseTaskInputs } from "./parse-task-inputs.js";
export { renderTaskHelp } from "./task-help.js";
