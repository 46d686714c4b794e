// `flyte get run|action|logs|report|config`: read what the local store recorded (readable while a run is still
// executing in another process: SQLite WAL lets readers in), or what a Flyte server recorded when an endpoint is
// configured or passed with --endpoint. Both are read through RunAccess; JSON with --json.
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../sdk/index.js";
import { withRunAccess, type AccessFlags, type RunAccess } from "../engine.js";
import type { ActionRecord, AttemptRecord, RunRecord } from "../../store/index.js";
import { formatDuration, formatError, renderActionTree, toDisplayJson } from "../format.js";
import { UsageError } from "../inputs/index.js";
import type { Io } from "../io.js";
import { registerOutputCommand } from "./output.js";

interface JsonFlag extends AccessFlags {
  json?: boolean;
}

/** `--endpoint` and `--local` on every command that reads runs. */
export function accessOptions(command: Command): Command {
  return command
    .option("--endpoint <url>", "read from the Flyte server at this URL (default: the config's endpoint; token from FLYTE_API_TOKEN)")
    .option("--local", "read the local store even when the config sets an endpoint");
}

export async function requireRun(access: RunAccess, name: string): Promise<RunRecord> {
  const run = await access.getRun(name);
  const where = access.where === "local" ? "" : ` on ${access.where}`;
  if (!run) throw new UsageError(`run "${name}" does not exist${where}; list runs with "flyte get run"`);
  return run;
}

async function requireAction(access: RunAccess, runName: string, actionName: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] }> {
  await requireRun(access, runName);
  const found = await access.getAction(runName, actionName);
  if (!found) throw new UsageError(`run "${runName}" has no action "${actionName}"; see its actions with "flyte get run ${runName}"`);
  return found;
}

export function registerGetCommand(program: Command, io: Io): void {
  const get = program.command("get").description("show runs, actions, outputs, logs, reports and config");
  registerOutputCommand(get, io);

  accessOptions(get
    .command("run"))
    .description("list runs, or show one run with its action tree")
    .argument("[name]", "run name")
    .option("--limit <n>", "number of runs to list", "20")
    .option("--json", "machine-readable output")
    .action((name: string | undefined, flags: JsonFlag & { limit: string }) => withRunAccess(io, flags, async (access) => {
      if (name === undefined) {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${flags.limit}`);
        const runs = await access.listRuns({ limit });
        if (flags.json) return io.out(toDisplayJson(runs));
        if (runs.length === 0) return io.out("no runs yet; start one with: flyte run --local FILE TASK");
        for (const run of runs) {
          const took = run.endedAt === null ? "running" : formatDuration(run.endedAt - run.createdAt);
          io.out(`${run.name}  ${run.phase.padEnd(9)}  ${run.taskName}  ${new Date(run.createdAt).toISOString()}  ${took}`);
        }
        return;
      }
      const run = await requireRun(access, name);
      const actions = await access.listActions(name);
      if (flags.json) return io.out(toDisplayJson({ run, actions }));
      io.out(`run ${run.name}: ${run.phase}  task ${run.taskName}  project ${run.project}/${run.domain}`);
      if (run.error) io.out(`error: ${formatError(run.error)}`);
      io.out(renderActionTree(actions));
    }));

  accessOptions(get
    .command("action"))
    .description("show one action: phase, attempts with their errors, inputs and outputs")
    .argument("<run>", "run name")
    .argument("[action]", "action name (default: the root action a0)")
    .option("--json", "machine-readable output")
    .action((runName: string, actionName: string | undefined, flags: JsonFlag) => withRunAccess(io, flags, async (access) => {
      const { action, attempts } = await requireAction(access, runName, actionName ?? "a0");
      if (flags.json) return io.out(toDisplayJson({ action, attempts }));
      io.out(`action ${action.name} (${action.type} ${action.taskName}) in run ${runName}: ${action.phase}, attempt ${action.attempt}`);
      if (action.group) io.out(`group: ${action.group}`);
      io.out(`cache: ${action.cacheStatus}`);
      io.out(`inputs: ${action.inputs}`);
      if (action.outputs !== null) io.out(`outputs: ${action.outputs}`);
      for (const attempt of attempts) {
        io.out(`  attempt ${attempt.attempt}: ${attempt.phase} in ${formatDuration(attempt.endedAt - attempt.startedAt)}${attempt.error ? ` — ${formatError(attempt.error)}` : ""}`);
      }
      if (action.error?.stack) io.out(`stack:\n${action.error.stack}`);
    }));

  accessOptions(get
    .command("logs"))
    .description("print what a run's tasks wrote to the console")
    .argument("<run>", "run name")
    .argument("[action]", "only this action")
    .option("--attempt <n>", "only this attempt")
    .option("--json", "machine-readable output")
    .action((runName: string, actionName: string | undefined, flags: JsonFlag & { attempt?: string }) => withRunAccess(io, flags, async (access) => {
      await requireRun(access, runName);
      if (actionName !== undefined) await requireAction(access, runName, actionName);
      const logs = await access.getLogs(runName, actionName, flags.attempt === undefined ? undefined : Number(flags.attempt));
      if (flags.json) return io.out(toDisplayJson(logs));
      for (const line of logs) {
        const text = line.text.endsWith("\n") ? line.text.slice(0, -1) : line.text;
        io.out(actionName === undefined ? `[${line.actionName}] ${text}` : text);
      }
    }));

  accessOptions(get
    .command("report"))
    .description("write an action's HTML report to a file and print its path")
    .argument("<run>", "run name")
    .argument("[action]", "action name (default: a0)")
    .option("-o, --out <file>", "where to write the HTML (default: .flyte/reports/RUN-ACTION.html)")
    .option("--json", "print the report as JSON ({ html, attempt })")
    .action((runName: string, actionName: string | undefined, flags: JsonFlag & { out?: string }) => withRunAccess(io, flags, async (access) => {
      const { action } = await requireAction(access, runName, actionName ?? "a0");
      const report = await access.getReport(runName, action.name);
      if (!report) throw new UsageError(`action ${action.name} of run ${runName} has no report; a task writes one with flyte.report.log(...)`);
      if (flags.json) return io.out(toDisplayJson({ attempt: report.attempt, html: report.html }));
      const file = path.resolve(io.cwd, flags.out ?? path.join(loadConfig(io.cwd).localDir, "reports", `${runName}-${action.name}.html`));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, report.html);
      io.out(file);
    }));

  get
    .command("config")
    .description("show the configuration in effect and where it comes from")
    .option("--json", "machine-readable output")
    .action((flags: JsonFlag) => {
      const config = loadConfig(io.cwd);
      if (flags.json) return io.out(toDisplayJson(config));
      io.out(`config file: ${config.path ?? "(none; defaults)"}`);
      io.out(`endpoint:    ${config.endpoint ?? "(none; runs are local)"}`);
      io.out(`project:     ${config.project}`);
      io.out(`domain:      ${config.domain}`);
      io.out(`local dir:   ${config.localDir}`);
    });
}
