// `flyte run` against a server: the task's file is bundled and uploaded when the server lacks that bundle, the
// run is started from it, and the command either prints the run's name (stdout) and how to follow it, or, with
// --follow, shows the local progress view fed from the run's watch stream and ends like a local run.
import type { FlyteClient } from "../../client/index.js";
import { followRun } from "../../client/index.js";
import type { InputSpec, TaskInterface } from "../../deploy/interface/index.js";
import { errorCode } from "../../errors/index.js";
import { startDeployedRun, startRemoteRun, type Run } from "../../sdk/index.js";
import type { ApiDeployedTask } from "../../server/index.js";
import { reportClientFailure } from "../engine.js";
import { parseTaskInputs, renderTaskHelp, UsageError } from "../inputs/index.js";
import { EXIT_FAILED, EXIT_OK, type Io } from "../io.js";
import { createProgressView, WatchOpsAdapter } from "../progress/index.js";
import { printRunOutcome } from "./run-outcome.js";

/** The shell's code for a command stopped by Ctrl-C. */
const EXIT_INTERRUPTED = 130;

export interface RemoteRunCommand {
  /** Absolute path of the file that defines the task. */
  readonly file: string;
  readonly taskId: string;
  /** Validated inputs, in order. */
  readonly args: readonly unknown[];
  readonly name: string | undefined;
  readonly project: string;
  readonly domain: string;
  readonly overwriteCache: boolean;
  readonly follow: boolean;
  /** Inputs of the file's tasks by task id, uploaded with the bundle. */
  readonly interfaces: Readonly<Record<string, readonly InputSpec[]>>;
  /** The --endpoint the user typed, repeated in the hints; undefined when the config names the server. */
  readonly endpointFlag: string | undefined;
}

const DATA_KINDS: Readonly<Record<string, string>> = { file: "File", dir: "Dir", dataframe: "DataFrame" };

/** File, Dir and DataFrame inputs live in this machine's blob store, which a server cannot read (yet). */
export function refuseDataInputs(iface: TaskInterface, args: readonly unknown[]): void {
  iface.inputs.forEach((input, i) => {
    const kind = DATA_KINDS[String(input.schema["x-flyte-type"])];
    if (kind === undefined || args[i] === undefined) return;
    throw new UsageError(
      `--${input.name}: ${kind} inputs are not supported for remote runs yet (they need a blob store shared with the server); run with --local, or pass the data's location as a string input`,
    );
  });
}

export async function runRemote(io: Io, client: FlyteClient, command: RemoteRunCommand): Promise<number> {
  const hint = command.endpointFlag === undefined ? "" : ` --endpoint ${command.endpointFlag}`;
  let run: Run;
  try {
    run = await startRemoteRun(client, {
      file: command.file,
      taskId: command.taskId,
      args: command.args,
      cwd: io.cwd,
      name: command.name,
      project: command.project,
      domain: command.domain,
      overwriteCache: command.overwriteCache,
      interfaces: command.interfaces,
      onCode: (bundle, uploaded) => {
        const id = bundle.hash.slice(0, 12);
        io.err(uploaded ? `uploaded code bundle ${id} (${bundle.entry}, ${kilobytes(bundle.code)})` : `code bundle ${id} (${bundle.entry}) is already on the server`);
      },
    });
  } catch (error) {
    // A file that does not bundle is the user's to fix, like one that does not type-check.
    if (errorCode(error) === "CODE_BUNDLE") throw new UsageError((error as Error).message, { cause: error });
    if (reportClientFailure(io, error)) return EXIT_FAILED;
    throw error;
  }
  return afterStart(io, client, run, command.follow, hint);
}

export interface DeployedRunCommand {
  /** The deployed task's id, `env.task`. */
  readonly taskId: string;
  /** The task's inputs as typed: --name value ... */
  readonly inputs: readonly string[];
  /** A deployed version; the latest when undefined. */
  readonly version: string | undefined;
  readonly name: string | undefined;
  readonly project: string;
  readonly domain: string;
  readonly overwriteCache: boolean;
  readonly follow: boolean;
  readonly endpointFlag: string | undefined;
}

/** `flyte run env.task --x 1`: runs a deployed task (its latest version, or --version) without its source file. */
export async function runDeployed(io: Io, client: FlyteClient, command: DeployedRunCommand): Promise<number> {
  const hint = command.endpointFlag === undefined ? "" : ` --endpoint ${command.endpointFlag}`;
  let run: Run;
  try {
    const task = await client.getDeployedTask(command.taskId, { project: command.project, domain: command.domain, version: command.version });
    const iface = deployedInterface(task);
    if (command.inputs.includes("--help") || command.inputs.includes("-h")) {
      io.out(renderTaskHelp(iface, `${task.id}@${task.version}`));
      return EXIT_OK;
    }
    if (!task.inputsKnown && command.inputs.length > 0) {
      throw new UsageError(`task ${task.id} was deployed without its signature (it is not exported from its file), so its inputs cannot be parsed; export it and deploy again`);
    }
    const args = parseTaskInputs(iface, [...command.inputs]);
    refuseDataInputs(iface, args);
    run = await startDeployedRun(client, {
      taskId: task.id,
      args,
      version: task.version,
      name: command.name,
      project: command.project,
      domain: command.domain,
      overwriteCache: command.overwriteCache,
    });
    io.err(`running ${task.id} version ${task.version}`);
  } catch (error) {
    if (reportClientFailure(io, error)) return EXIT_FAILED;
    throw error;
  }
  return afterStart(io, client, run, command.follow, hint);
}

/** A deployed task's interface in the shape input parsing and --help take. */
function deployedInterface(task: ApiDeployedTask): TaskInterface {
  return {
    exportName: task.id,
    taskName: task.name,
    inputs: [...task.inputs],
    output: task.output ?? {},
    outputTypeText: task.outputTypeText ?? "unknown",
    interfaceHash: "",
  };
}

/** Prints the run's name and how to follow it, or (with --follow) shows its progress until it ends. */
async function afterStart(io: Io, client: FlyteClient, run: Run, follow: boolean, hint: string): Promise<number> {
  if (!follow) {
    io.err(`run ${run.name} started on ${client.endpoint}; follow it with: flyte get run ${run.name}${hint}`);
    io.out(run.name);
    return EXIT_OK;
  }
  try {
    return await followRemote(io, client, run, hint);
  } catch (error) {
    if (!reportClientFailure(io, error)) throw error;
    // The run is the server's: a server that went away resumes it when it starts again.
    if (errorCode(error) === "SERVER_UNREACHABLE") {
      io.err(`run ${run.name} is kept on the server, which resumes it when it starts again; then: flyte get run ${run.name}${hint}`);
    }
    return EXIT_FAILED;
  }
}

/** Shows the run's progress until it ends; Ctrl-C stops following (the run goes on on the server). */
async function followRemote(io: Io, client: FlyteClient, run: Run, hint: string): Promise<number> {
  const view = createProgressView({
    out: io.stderr,
    tty: io.isTTY,
    runName: run.name,
    // The watch stream carries records, not console output: logs are read with flyte get logs.
    follow: false,
    color: io.isTTY && !process.env["NO_COLOR"],
  });
  const adapter = new WatchOpsAdapter(run.name);
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.on("SIGINT", onInterrupt);
  try {
    for await (const event of followRun(client, run.name, { signal: stop.signal })) {
      for (const op of adapter.ops(event)) view.onOp(op);
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    view.finish();
  }
  if (stop.signal.aborted) {
    io.err(`stopped following; run ${run.name} goes on on the server: flyte get run ${run.name}${hint}   |   flyte abort run ${run.name}${hint}`);
    return EXIT_INTERRUPTED;
  }
  return printRunOutcome(io, run, await run.wait(), hint);
}

function kilobytes(text: string): string {
  return `${(Buffer.byteLength(text) / 1024).toFixed(1)} kB`;
}
