// `flyte start worker --endpoint URL`: joins a Flyte server as a worker host and runs its work in local worker
// processes until SIGTERM or SIGINT. The token comes from FLYTE_API_TOKEN, the endpoint from --endpoint or the
// config; bundles are cached under <localDir>/worker-code.
import path from "node:path";
import type { Command } from "commander";
import { runWorkerHost } from "../../worker/host.js";
import { commandClient, commandConfig } from "../engine.js";
import { UsageError } from "../inputs/index.js";
import type { Io } from "../io.js";

interface WorkerFlags {
  endpoint?: string;
  pool: string[];
  slots: string;
  name?: string;
}

const POOL = /^(\*|[a-z0-9_-]{1,63})$/;

export function registerWorkerCommand(program: Command, io: Io): void {
  const start = program.commands.find((command) => command.name() === "start") ?? program.command("start").description("start long-running services");
  start
    .command("worker")
    .description("join a Flyte server as a worker host and run its actions here")
    .option("--endpoint <url>", "the server (default: the config's endpoint); token from FLYTE_API_TOKEN")
    .option("--pool <env>", 'serve the pool of this environment (repeatable; default: every pool)', (pool: string, pools: string[]) => [...pools, pool], [] as string[])
    .option("--slots <n>", "actions each worker process of this host runs at once", "8")
    .option("--name <name>", "the host's name in the server's logs (default: the hostname)")
    .action(async (flags: WorkerFlags) => {
      const slots = Number(flags.slots);
      if (!/^\d+$/.test(flags.slots) || slots < 1 || slots > 10_000) throw new UsageError(`--slots must be an integer from 1 to 10000, got ${flags.slots}`);
      const pools = flags.pool.length === 0 ? ["*"] : flags.pool;
      const bad = pools.find((pool) => !POOL.test(pool));
      if (bad !== undefined) throw new UsageError(`--pool must be an environment name or "*", got ${bad}`);
      const config = commandConfig(io);
      const client = commandClient(config, flags.endpoint === undefined ? {} : { endpoint: flags.endpoint });
      if (!client) throw new UsageError("flyte start worker needs a server: pass --endpoint URL or set endpoint: in the config");
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      try {
        await runWorkerHost({
          client,
          name: flags.name,
          pools,
          slots,
          cacheDir: path.join(config.localDir, "worker-code"),
          resolveFrom: io.cwd,
          log: (line) => io.out(line),
          signal: stop.signal,
        });
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
      io.out("flyte worker stopped");
    });
}
