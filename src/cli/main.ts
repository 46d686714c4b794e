// The `flyte` command line: parses arguments with commander, runs one command, and turns its outcome into an
// exit code (0 success, 1 the run failed, 2 usage error — anything wrong with what was typed).
import { Command, CommanderError } from "commander";
import { FlyteError } from "../errors/index.js";
import { shutdown } from "../sdk/index.js";
import { registerGetCommand } from "./commands/get.js";
import { registerManageCommands } from "./commands/manage.js";
import { registerRunCommand } from "./commands/run.js";
import { registerSecretCommands } from "./commands/secret.js";
import { registerServerCommand } from "./commands/server.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { registerBuildCommand } from "./commands/build.js";
import { registerDeployCommands } from "./commands/deploy.js";
import { EXIT_FAILED, EXIT_USAGE, processIo, type Io } from "./io.js";

const USAGE_CODES = new Set(["USAGE", "INVALID_INPUT", "INVALID_OPTION", "TASK_NOT_FOUND", "RUN_NOT_FOUND", "SERIALIZATION", "DEPLOYED_TASK_NOT_FOUND"]);
// Setup faults whose message says what to fix: one line, exit 1, no stack.
const SETUP_CODES = new Set(["SECRET_STORE", "STORE_IN_USE"]);

export function buildProgram(io: Io): Command {
  const program = new Command("flyte")
    .description("Flyte for TypeScript: run, inspect and manage workflows")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showSuggestionAfterError();
  registerRunCommand(program, io);
  registerGetCommand(program, io);
  registerManageCommands(program, io);
  registerSecretCommands(program, io);
  registerServerCommand(program, io);
  registerWorkerCommand(program, io);
  registerBuildCommand(program, io);
  registerDeployCommands(program, io);
  return program;
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its own message for real errors.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof FlyteError && USAGE_CODES.has(error.code)) {
      io.err(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof FlyteError && SETUP_CODES.has(error.code)) {
      io.err(`error: ${error.message}`);
      return EXIT_FAILED;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILED;
  } finally {
    await shutdown();
  }
}
