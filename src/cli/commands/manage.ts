// `flyte abort run NAME` and `flyte create config`: the commands that change state outside a run. An abort goes
// to the local store or, with an endpoint configured or passed, to the Flyte server (both through RunAccess).
import path from "node:path";
import type { Command } from "commander";
import { TERMINAL_PHASES } from "../../store/index.js";
import { CONFIG_DIR, CONFIG_FILE, loadConfig, writeConfig } from "../../sdk/index.js";
import { withRunAccess, type AccessFlags } from "../engine.js";
import { UsageError } from "../inputs/index.js";
import { EXIT_FAILED, type Io } from "../io.js";
import { accessOptions, requireRun } from "./get.js";

const ABORT_WAIT_MS = 10_000;

export function registerManageCommands(program: Command, io: Io): void {
  accessOptions(program
    .command("abort")
    .description("abort a run")
    .command("run")
    .argument("<name>", "run name")
    .option("--reason <text>", "why (recorded with the run)", "aborted with flyte abort run"))
    .action((name: string, flags: AccessFlags & { reason: string }) => withRunAccess(io, flags, async (access) => {
      const run = await requireRun(access, name);
      if (TERMINAL_PHASES.has(run.phase)) {
        io.out(`run ${name} already ended: ${run.phase}`);
        return;
      }
      await access.requestAbort(name, flags.reason);
      // The process (or server) running it polls the store; wait until it has stopped the run.
      const deadline = Date.now() + ABORT_WAIT_MS;
      while (Date.now() < deadline) {
        const current = await access.getRun(name);
        if (current && TERMINAL_PHASES.has(current.phase)) {
          io.out(`run ${name}: ${current.phase}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      io.err(`abort of run ${name} was requested, but no process stopped it within ${ABORT_WAIT_MS / 1000}s; if its process died, the run stays as it was (resume it with flyte run --resume ${name})`);
      io.exitCode = EXIT_FAILED;
    }));

  program
    .command("create")
    .description("create configuration and secrets")
    .command("config")
    .description(`write ${CONFIG_DIR}/${CONFIG_FILE} in the current directory`)
    .option("--endpoint <url>", "control-plane endpoint (remote runs)")
    .option("--project <project>", "default project", "default")
    .option("--domain <domain>", "default domain", "development")
    .option("--local-dir <dir>", "folder of local state, relative to the config file's folder")
    .option("--force", "overwrite an existing config file")
    .action((flags: { endpoint?: string; project: string; domain: string; localDir?: string; force?: boolean }) => {
      const file = path.join(io.cwd, CONFIG_DIR, CONFIG_FILE);
      const existing = loadConfig(io.cwd).path;
      if (existing === file && !flags.force) throw new UsageError(`${file} exists; pass --force to overwrite it`);
      if (flags.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.endpoint)) {
        throw new UsageError(`--endpoint must be an http(s) URL like http://localhost:8090, got ${flags.endpoint}`);
      }
      writeConfig(file, { endpoint: flags.endpoint, project: flags.project, domain: flags.domain, localDir: flags.localDir });
      io.out(`wrote ${file}`);
    });
}
