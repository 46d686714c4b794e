// `flyte start server`: the control plane's API and engine, in the foreground until SIGTERM or SIGINT. Task files
// given with --load are bundled and loaded by a worker up front (imported into the server with --in-process), so a
// bad file fails the start instead of the first run.
import path from "node:path";
import { Option, type Command } from "commander";
import { openBlobStore } from "../../blob/index.js";
import type { DurabilityPolicy } from "../../engine/index.js";
import { sqliteOptions, startServer } from "../../server/index.js";
import { openPostgresStore, openSqliteStore, type RunStore } from "../../store/index.js";
import { commandConfig } from "../engine.js";
import { UsageError } from "../inputs/index.js";
import type { Io } from "../io.js";
import { importUserModule } from "../load-module.js";
import { parseBytes, parseCpu } from "../../sdk/resources.js";

interface ServerFlags {
  port: string;
  host: string;
  authToken?: string;
  insecureLocal?: boolean;
  db?: string;
  store?: string;
  load: string[];
  inProcess?: boolean;
  localWorkers: boolean;
  lease?: string;
  cpu?: string;
  memory?: string;
  durability: DurabilityPolicy;
}

export function registerServerCommand(program: Command, io: Io): void {
  // `start` also groups other long-running commands (worker, ui); reuse it when another module made it.
  const start = program.commands.find((command) => command.name() === "start") ?? program.command("start").description("start long-running services");
  start
    .command("server")
    .description("serve the control-plane API; tasks run in pools of worker processes")
    .option("--port <port>", "port to listen on (0 picks a free one)", "8090")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .addOption(new Option("--auth-token <token>", "bearer token clients must send (default: generated and stored in <localDir>/server-token)").env("FLYTE_SERVER_TOKEN"))
    .option("--insecure-local", "serve without a token (only on 127.0.0.1, localhost or ::1)")
    .option("--db <spec>", "RunStore: sqlite:PATH (default sqlite:<localDir>/server.db) or postgres://user@host:port/db")
    .option("--store <spec>", "raw-data store: a folder or s3://bucket/prefix (default: the config's, else <localDir>/data)")
    .option("--load <file>", "a TypeScript file whose exported tasks the server can run (repeatable)", (file: string, files: string[]) => [...files, file], [])
    .option("--in-process", "run tasks inside the server process instead of worker processes (imports the --load files)")
    .option("--no-local-workers", "start no worker processes here: actions wait for worker hosts (flyte start worker)")
    .option("--lease <ms>", "a worker host silent for this long is dropped and its actions retried (default 10000)")
    .option("--cpu <cores>", "cores the workers' actions may declare in total (default: this host's)")
    .option("--memory <bytes>", 'memory the workers\' actions may declare in total, e.g. "8Gi" (default: this host\'s)')
    .addOption(
      new Option("--durability <policy>", 'which commits wait for the disk: "runs" (a run\'s creation, end and abort) or "full" (every commit)')
        .choices(["runs", "full"])
        .default("runs"),
    )
    .action(async (flags: ServerFlags) => {
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${flags.port}`);
      const config = commandConfig(io);
      const s3 = { ...(config.s3.endpoint === undefined ? {} : { endpoint: config.s3.endpoint }), ...(config.s3.region === undefined ? {} : { region: config.s3.region }) };
      const storeSpec = flags.store ?? config.store;
      const server = await startServer({
        port,
        host: flags.host,
        localDir: config.localDir,
        authToken: flags.authToken,
        insecureLocal: flags.insecureLocal === true,
        load: flags.load.map((file) => path.resolve(io.cwd, file)),
        importModule: importUserModule,
        executor: flags.inProcess ? "inline" : "workers",
        workers: { resolveFrom: io.cwd, capacity: capacityFlags(flags), localWorkers: flags.localWorkers, leaseMs: leaseFlag(flags.lease) },
        runStore: flags.db === undefined ? undefined : await openRunStore(flags.db, io.cwd, flags.durability, (line) => io.err(line)),
        durability: flags.durability,
        blobs: storeSpec === undefined ? undefined : openBlobStore(storeSpec, s3),
        inlineLimit: config.inlineLimit,
        project: config.project,
        domain: config.domain,
        stopOnSignals: true,
        out: (line) => io.out(line),
        log: (line) => io.err(line),
      });
      io.out(`flyte server listening on ${server.url}`);
      const runsIn = flags.db === undefined ? `sqlite:${path.join(config.localDir, "server.db")}` : describeDb(flags.db, io.cwd);
      const tasksIn = flags.inProcess ? "this process" : flags.localWorkers ? "worker processes of this host and any worker hosts" : "worker hosts only (--no-local-workers)";
      io.out(`runs in ${runsIn} (--durability ${flags.durability}); data in ${server.engine.resources.blobs.root}; tasks run in ${tasksIn}`);
      await server.closed;
      io.out("flyte server stopped");
    });
}

function leaseFlag(lease: string | undefined): number | undefined {
  if (lease === undefined) return undefined;
  const ms = Number(lease);
  if (!/^\d+$/.test(lease) || ms < 100) throw new UsageError(`--lease must be a number of milliseconds ≥ 100, got ${lease}`);
  return ms;
}

function capacityFlags(flags: ServerFlags): { cpu?: number; memoryBytes?: number } {
  const capacity: { cpu?: number; memoryBytes?: number } = {};
  if (flags.cpu !== undefined) {
    const cpu = parseCpu(flags.cpu);
    if (cpu === undefined) throw new UsageError(`--cpu must be a number of cores like 4 or "500m", got ${flags.cpu}`);
    capacity.cpu = cpu;
  }
  if (flags.memory !== undefined) {
    const memory = parseBytes(flags.memory);
    if (memory === undefined) throw new UsageError(`--memory must be an amount like "8Gi" or "512Mi", got ${flags.memory}`);
    capacity.memoryBytes = memory;
  }
  return capacity;
}

/** The file of a `sqlite:PATH` spec, or undefined for another kind of spec. */
function sqliteFile(spec: string, cwd: string): string | undefined {
  return spec.startsWith("sqlite:") ? path.resolve(cwd, spec.slice("sqlite:".length)) : undefined;
}

/** A `--db` spec as the server prints it: a SQLite file's absolute path, a PostgreSQL URL without its password. */
function describeDb(spec: string, cwd: string): string {
  const file = sqliteFile(spec, cwd);
  if (file !== undefined) return `sqlite:${file}`;
  try {
    const url = new URL(spec);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return spec;
  }
}

/** The RunStore a `--db` spec names. */
async function openRunStore(spec: string, cwd: string, durability: DurabilityPolicy, log: (line: string) => void): Promise<RunStore> {
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgresStore(spec);
  const file = sqliteFile(spec, cwd);
  if (file !== undefined) return openSqliteStore(file, sqliteOptions(durability, log));
  throw new UsageError(`--db must be sqlite:PATH or postgres://user@host:port/database, got ${spec}`);
}
