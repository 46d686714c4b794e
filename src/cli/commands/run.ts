// `flyte run [--local | --endpoint URL] FILE TASK [--input value ...]` and `flyte run --resume RUN`. Everything
// the user typed is checked (file, task, every input against the task's TypeScript interface) before any action
// is created or any code uploaded; then the run executes in this process with a live progress view, or on the
// configured server (run-remote.ts), and the exit code says how it ended.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { newRunName, setLogEcho, TASK_ID_PATTERN } from "../../engine/index.js";
import { extractInterfaces, type InputSpec, type TaskInterface } from "../../deploy/interface/index.js";
import * as flyte from "../../index.js";
import { declareTaskInterface, localEngine, taskTemplateOf, type Run } from "../../sdk/index.js";
import { commandClient, commandConfig, interfaceCacheDir } from "../engine.js";
import { runNameOf } from "../../store/index.js";
import { createProgressView } from "../progress/index.js";
import { parseTaskInputs, renderTaskHelp, UsageError } from "../inputs/index.js";
import { storeDataInputs } from "../data-inputs.js";
import { findTask, importUserModule } from "../load-module.js";
import { EXIT_OK, type Io } from "../io.js";
import { printRunOutcome } from "./run-outcome.js";
import { refuseDataInputs, runDeployed, runRemote } from "./run-remote.js";

/** The label that remembers which file defines a run's task, so `--resume` can load it again. */
export const SOURCE_LABEL = "flyte.source-file";

interface RunFlags {
  local?: boolean;
  endpoint?: string;
  resume?: string;
  name?: string;
  project?: string;
  domain?: string;
  overwriteCache?: boolean;
  version?: string;
  follow?: boolean;
  verbose?: boolean;
}

export function registerRunCommand(program: Command, io: Io): void {
  program
    .command("run")
    .description("run a task from a TypeScript file (inputs as --name value; FILE TASK --help lists them)")
    .argument("[file]", "TypeScript file that exports the task")
    .argument("[task]", "the task's export name or task name")
    .argument("[inputs...]", "task inputs: --name value ...")
    .option("--local", "run in this process on the embedded engine (the default while no endpoint is configured)")
    .option("--endpoint <url>", "run on the Flyte server at this URL (default: the config's endpoint; token from FLYTE_API_TOKEN)")
    .option("--resume <run>", "resume a local run whose process was killed")
    .option("--name <run>", "name of the new run (default: generated)")
    .option("--project <project>", "project of the run")
    .option("--domain <domain>", "domain of the run")
    .option("--version <version>", "with a deployed task id instead of FILE: run this deployed version (default: the latest)")
    .option("--overwrite-cache", "re-execute cached tasks and replace their cache entries")
    .option("-f, --follow", "print what tasks write to the console, live; on a server: show the run's progress until it ends")
    .option("-v, --verbose", "same as --follow")
    .helpOption("-h, --help", "show help for the run command")
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (file: string | undefined, task: string | undefined, inputs: string[], flags: RunFlags) => {
      io.exitCode = await runCommand(io, file, task, inputs, flags);
    });
}

async function runCommand(io: Io, file: string | undefined, taskName: string | undefined, inputs: string[], flags: RunFlags): Promise<number> {
  const config = commandConfig(io);
  const client = commandClient(config, flags);
  if (flags.resume !== undefined) {
    if (file !== undefined) throw new UsageError("--resume takes a run name only; the run remembers its file and inputs");
    if (client) {
      throw new UsageError(
        `--resume continues a local run whose process was killed; runs on the server ${client.endpoint} are recovered by the server. Add --local to resume a local run`,
      );
    }
    return resumeCommand(io, flags.resume, config.localDir, flags);
  }
  if (file !== undefined && looksLikeTaskId(file, io.cwd)) {
    if (!client) {
      throw new UsageError(`${file} is not a file here; to run a deployed task by its id, pass --endpoint URL (or set endpoint: in the config)`);
    }
    return runDeployed(io, client, {
      taskId: file,
      inputs: taskName === undefined ? inputs : [taskName, ...inputs],
      version: flags.version,
      name: flags.name,
      project: flags.project ?? config.project,
      domain: flags.domain ?? config.domain,
      overwriteCache: flags.overwriteCache === true,
      follow: flags.follow === true || flags.verbose === true,
      endpointFlag: flags.endpoint,
    });
  }
  if (file === undefined || taskName === undefined) {
    throw new UsageError("usage: flyte run [--local | --endpoint URL] [--follow] FILE TASK [--input value ...]   (or flyte run DEPLOYED_TASK_ID [--input value ...], or flyte run --resume RUN)");
  }
  if (flags.version !== undefined) throw new UsageError("--version picks a deployed version; use it with a deployed task id instead of FILE TASK");
  const absolute = path.resolve(io.cwd, file);
  const interfaces = await extractInterfaces(absolute, { cacheDir: interfaceCacheDir(config) });
  const iface = findInterface(interfaces.tasks, taskName, file);
  if (inputs.includes("--help") || inputs.includes("-h")) {
    io.out(renderTaskHelp(iface, file));
    return EXIT_OK;
  }
  checkMisplacedRunOptions(iface, inputs);
  const args = parseTaskInputs(iface, inputs);
  if (client) refuseDataInputs(iface, args);

  const exports = await importUserModule(absolute);
  const task = findTask(exports, iface.exportName, file);
  if (client) {
    return runRemote(io, client, {
      file: absolute,
      taskId: task.id,
      args,
      name: flags.name,
      project: flags.project ?? config.project,
      domain: flags.domain ?? config.domain,
      overwriteCache: flags.overwriteCache === true,
      interfaces: inputsByTaskId(interfaces.tasks, exports),
      follow: flags.follow === true || flags.verbose === true,
      // Hints name the server the way it was chosen: a flag must be repeated, a config endpoint need not be.
      endpointFlag: flags.endpoint,
    });
  }
  for (const known of interfaces.tasks) {
    const template = taskTemplateOf(exports[known.exportName]);
    if (template) declareTaskInterface(template.id, known.interfaceHash);
  }
  const name = flags.name ?? newRunName();
  const engine = localEngine(config.localDir);
  const runArgs = await storeDataInputs(iface, args, engine.resources.blobs, name, io.cwd);
  return watchRun(io, config.localDir, name, flags, () =>
    flyte
      .withRunContext({
        mode: "local",
        localDir: config.localDir,
        name,
        project: flags.project ?? config.project,
        domain: flags.domain ?? config.domain,
        overwriteCache: flags.overwriteCache === true,
        labels: { [SOURCE_LABEL]: absolute },
      })
      .run(task, ...runArgs),
  );
}

async function resumeCommand(io: Io, runName: string, localDir: string, flags: RunFlags): Promise<number> {
  const record = await localEngine(localDir).store.getRun(runName);
  if (!record) throw new UsageError(`run "${runName}" does not exist in ${localDir}; list runs with "flyte get run"`);
  const source = record.labels[SOURCE_LABEL];
  if (source === undefined) throw new UsageError(`run "${runName}" was not started by "flyte run", so its file is unknown; resume it with flyte.resume() in code`);
  await importUserModule(source);
  return watchRun(io, localDir, runName, flags, () => flyte.resume(runName, { mode: "local", localDir }));
}

const RUN_OPTIONS = ["--local", "--endpoint", "--resume", "--name", "--project", "--domain", "--version", "--overwrite-cache", "--follow", "-f", "--verbose", "-v"];

/** Options of `flyte run` itself must come before FILE; after TASK everything is a task input. */
/** The inputs of the file's exported tasks, by task id (the server checks remote runs against them). */
function inputsByTaskId(tasks: readonly TaskInterface[], exports: Record<string, unknown>): Record<string, InputSpec[]> {
  const byId: Record<string, InputSpec[]> = {};
  for (const known of tasks) {
    const template = taskTemplateOf(exports[known.exportName]);
    if (template) byId[template.id] = known.inputs;
  }
  return byId;
}

/** `env.task` that names no file here (and has no script extension): a deployed task's id. */
function looksLikeTaskId(value: string, cwd: string): boolean {
  return TASK_ID_PATTERN.test(value) && !/\.(?:[cm]?[jt]s|[jt]sx)$/.test(value) && !existsSync(path.resolve(cwd, value));
}

function checkMisplacedRunOptions(iface: TaskInterface, inputs: readonly string[]): void {
  const inputFlags = new Set(iface.inputs.flatMap((input) => [`--${input.name}`, `--${kebab(input.name)}`]));
  const misplaced = inputs.find((arg) => RUN_OPTIONS.includes(arg.split("=")[0]!) && !inputFlags.has(arg.split("=")[0]!));
  if (misplaced !== undefined) {
    throw new UsageError(
      `${misplaced} is an option of "flyte run", not an input of task ${iface.exportName}; put it before the file: flyte run ${misplaced} FILE TASK [inputs]`,
    );
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
}

function findInterface(tasks: readonly TaskInterface[], name: string, file: string): TaskInterface {
  const found = tasks.find((t) => t.exportName === name) ?? tasks.find((t) => t.taskName === name);
  if (found) return found;
  throw new UsageError(`${file} has no task named "${name}"; its tasks are: ${tasks.map((t) => t.exportName).join(", ")}`);
}

/** Starts (or resumes) the run with a progress view attached, then prints how it ended. */
async function watchRun(io: Io, localDir: string, runName: string, flags: RunFlags, start: () => Promise<Run>): Promise<number> {
  const engine = localEngine(localDir);
  setLogEcho(false);
  const view = createProgressView({
    out: io.stderr,
    tty: io.isTTY,
    runName,
    follow: flags.follow === true || flags.verbose === true,
    color: io.isTTY && !process.env["NO_COLOR"],
  });
  const stopObserving = engine.observe((op) => {
    if (runNameOf(op) === runName) view.onOp(op);
  });
  let run: Run;
  try {
    run = await start();
  } catch (error) {
    stopObserving();
    view.finish();
    throw error;
  }
  let interrupted = 0;
  const onInterrupt = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130); // a second Ctrl-C leaves at once; the run stays resumable
    void run.abort("interrupted from the terminal (Ctrl-C)");
  };
  process.on("SIGINT", onInterrupt);
  const phase = await run.wait();
  process.off("SIGINT", onInterrupt);
  stopObserving();
  view.finish();

  // The progress view has printed the run's final line (phase, duration, counts); add what it cannot know.
  return printRunOutcome(io, run, phase);
}
