// What the commands that only make sense against a Flyte server share (secrets, deploy, deployed tasks): the
// server from --endpoint or the config (token from FLYTE_API_TOKEN), the project and domain they act in, and
// verbs ("get", "create", …) that several files add subcommands to.
import type { Command } from "commander";
import type { FlyteClient } from "../../client/index.js";
import { SECRET_SCOPE } from "../../server/index.js";
import { errorCode } from "../../errors/index.js";
import { commandClient, commandConfig, reportClientFailure } from "../engine.js";
import { UsageError } from "../inputs/index.js";
import { EXIT_FAILED, type Io } from "../io.js";

export interface ScopeFlags {
  endpoint?: string;
  project?: string;
  domain?: string;
}

export interface Target {
  readonly client: FlyteClient;
  readonly project: string;
  readonly domain: string;
}

/** The command named `name` under `program`, created when no other file registered it yet. */
export function verb(program: Command, name: string, description: string): Command {
  return program.commands.find((command) => command.name() === name) ?? program.command(name).description(description);
}

/** `--project`, `--domain` and `--endpoint`, described for what the command works on ("the secret", "the deploy"). */
export function scopeOptions(command: Command, what: string): Command {
  return command
    .option("--project <project>", `project of ${what} (default: the config's)`)
    .option("--domain <domain>", `domain of ${what} (default: the config's)`)
    .option("--endpoint <url>", "the Flyte server (default: the config's endpoint); token from FLYTE_API_TOKEN");
}

/** The server and scope a command works on; a UsageError (exit 2) naming `why` when no server is configured. */
export function serverTarget(io: Io, flags: ScopeFlags, command: string, why: string): Target {
  const config = commandConfig(io);
  const client = commandClient(config, flags.endpoint === undefined ? {} : { endpoint: flags.endpoint });
  if (!client) throw new UsageError(`flyte ${command} needs a Flyte server (${why}): pass --endpoint URL or set endpoint: in the config (flyte create config --endpoint URL)`);
  const project = flags.project ?? config.project;
  const domain = flags.domain ?? config.domain;
  for (const [option, value] of [["--project", project], ["--domain", domain]] as const) {
    if (!SECRET_SCOPE.test(value)) throw new UsageError(`${option} must be lowercase letters, digits, "-" and "_", got ${JSON.stringify(value)}`);
  }
  return { client, project, domain };
}

/**
 * Runs a command's server calls, reporting a failure whose message says what to fix (an error of one of `codes`,
 * a server that is down, a wrong token, an API error) as one line and exit code 1 instead of a stack trace.
 */
export async function reported(io: Io, codes: readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (codes.includes(errorCode(error)) && error instanceof Error) io.err(`error: ${error.message}`);
    else if (!reportClientFailure(io, error)) throw error;
    io.exitCode = EXIT_FAILED;
  }
}
