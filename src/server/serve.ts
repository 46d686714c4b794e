// Runs the API on Node (@hono/node-server) over the engine, whose state lives in `<localDir>/server.db` and
// `<localDir>/data`, with tasks in worker pools (or in this process with executor "inline"). Resumes the runs a
// killed server left unfinished. Refuses to serve without authentication unless bound to loopback, and shuts down in
// order: stop accepting, end the watch streams, finish in-flight requests, close the engine.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { FolderBlobStore, type BlobStore } from "../blob/index.js";
import { InvalidInputError, InvalidOptionError, StoreInUseError } from "../errors/index.js";
import { LocalEngine, type DurabilityPolicy, type TaskTemplate } from "../engine/index.js";
import { registeredTask, taskTemplateOf } from "../sdk/index.js";
import { openSqliteStore, type RunStore, type SqliteStoreOptions } from "../store/index.js";
import { createApi } from "./app.js";
import { ProcessExecutor, type ProcessExecutorOptions } from "../executor/process-executor.js";
import { DeployedTasks } from "./deployed-tasks.js";
import { MODULE_LABEL, inProcessCatalog, workerCatalog, type TaskCatalog } from "./task-catalog.js";
import { RunLauncher } from "./run-launcher.js";
import { CodeStore } from "./code-store.js";
import { SecretStore } from "./secret-store.js";
import { trackConnections } from "./connections.js";
import { WatchHub } from "./watch-hub.js";

export const TOKEN_FILE = "server-token";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
/** How long in-flight requests get to finish on shutdown before their connections are cut. */
const DRAIN_MS = 5_000;

export interface ServerOptions {
  /** 0 picks a free port (see `url` for the real one). */
  readonly port: number;
  readonly host: string;
  /** Folder of the server's state: database, data, token. */
  readonly localDir: string;
  /** The bearer token; when absent (and not insecureLocal) one is generated and stored in `<localDir>/server-token`. */
  readonly authToken?: string | undefined;
  /** Serve without authentication; only allowed on a loopback host. */
  readonly insecureLocal?: boolean | undefined;
  /**
   * Where tasks run: "workers" (default) in pools of worker processes that load the code; "inline" in the
   * server's own process, importing the --load files into it (tests that share state with their tasks).
   */
  readonly executor?: "workers" | "inline" | undefined;
  /** Settings of the worker pools (capacity, default pool, abort grace). */
  readonly workers?: Omit<ProcessExecutorOptions, "log"> | undefined;
  /** Files whose tasks the server can run. */
  readonly load?: readonly string[] | undefined;
  /** Imports one of `load` (the CLI passes its tsx loader; the default is a plain dynamic import). */
  readonly importModule?: ((file: string) => Promise<Record<string, unknown>>) | undefined;
  /** The engine's RunStore (default: SQLite in `<localDir>/server.db`). */
  readonly runStore?: RunStore | undefined;
  /** When commits wait for the disk (default "runs"; see DurabilityPolicy); also how the default SQLite store syncs. */
  readonly durability?: DurabilityPolicy | undefined;
  /** Raw-data store of the engine (default: `<localDir>/data`). */
  readonly blobs?: BlobStore | undefined;
  /** Encoded values longer than this are offloaded to the blob store (engine default: 1 MiB). */
  readonly inlineLimit?: number | undefined;
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  /** Stop gracefully on SIGTERM and SIGINT (the CLI sets it; in-process tests do not). */
  readonly stopOnSignals?: boolean | undefined;
  /** Where the server prints its messages (default: stdout) and its errors (default: stderr). */
  readonly out?: ((line: string) => void) | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly heartbeatMs?: number | undefined;
  /** Uploaded code bundles (default: `<localDir>/code`). */
  readonly codeStore?: CodeStore | undefined;
  /** Encrypted secrets (default: `SecretStore.open(localDir)`: key from FLYTE_SECRETS_KEY or `<localDir>/secrets.key`). */
  readonly secretStore?: SecretStore | undefined;
}

export interface RunningServer {
  /** Base URL, with the real port, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** The token clients must send; undefined with insecureLocal. */
  readonly token: string | undefined;
  readonly engine: LocalEngine;
  /** The server's secrets (what tasks that declare secrets get injected). */
  readonly secrets: SecretStore;
  /** Resolves once the server has stopped (after close(), or a signal with stopOnSignals). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const token = resolveToken(options, out);
  const inProcess = options.executor === "inline";
  const inProcessTasks = inProcess ? await loadTasks(options.load ?? [], options.importModule ?? defaultImport) : [];

  mkdirSync(options.localDir, { recursive: true });
  // Opened first: a wrong or exposed key stops the server before it takes any work.
  const secrets = options.secretStore ?? SecretStore.open(options.localDir);
  const blobs = options.blobs ?? new FolderBlobStore(path.join(options.localDir, "data"));
  const runStore = options.runStore ?? openSqliteStore(path.join(options.localDir, "server.db"), sqliteOptions(options.durability, log));
  try {
    await claimStore(runStore, log);
  } catch (error) {
    await runStore.close();
    throw error;
  }
  let executor: ProcessExecutor | undefined;
  // Set once the catalog exists; the executor asks it for the code of deployed tasks that workers call by name.
  const registry: { deployed?: DeployedTasks } = {};
  const engine = new LocalEngine(runStore, blobs, {
    inlineLimit: options.inlineLimit,
    durability: options.durability,
    executor: inProcess
      ? undefined
      : (handle) =>
          (executor = new ProcessExecutor(handle, {
            ...options.workers,
            // Secrets are never mounted inside it; npm installs for bundles go to <localDir>/deps.
            stateDir: options.localDir,
            log,
            resolveDeployed: async (scope, taskId, version) => {
              if (!registry.deployed) throw new InvalidInputError(`task ${taskId}: the server is still starting; try again`);
              const { code } = await registry.deployed.require(scope, taskId, version);
              return { hash: code, path: codeStore.pathOf(code) };
            },
            // By env var name: the worker processes of a task's pool get them in their environment.
            resolveSecrets: (scope, wanted) => {
              const values = secrets.resolve(scope, wanted);
              return Promise.resolve(Object.fromEntries(wanted.map((secret) => [secret.asEnvVar, values.get(secret) ?? ""])));
            },
          })),
  });
  const codeStore = options.codeStore ?? new CodeStore(path.join(options.localDir, "code"));
  let catalog: TaskCatalog;
  try {
    catalog = executor
      ? await workerCatalog(executor, options.load ?? [], codeStore, path.join(options.localDir, "cache"), log)
      : // A loaded module's unexported tasks (children) are found in the process's registry.
        inProcessCatalog(inProcessTasks, registeredTask, codeStore);
  } catch (error) {
    await engine.close();
    throw error;
  }
  const deployed = (registry.deployed = new DeployedTasks(engine.store, catalog));
  const hub = new WatchHub(engine, { log });
  const launcher = new RunLauncher(engine, log);
  const app = createApi({
    engine,
    authToken: token,
    catalog,
    deployed,
    launcher,
    workers: executor?.hosts,
    project: options.project,
    domain: options.domain,
    hub,
    log,
    heartbeatMs: options.heartbeatMs,
    codeStore,
    secretStore: secrets,
  });

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(started as Server)) as Server;
      started.once("error", reject);
    });
  } catch (error) {
    await engine.close();
    throw new InvalidOptionError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
  }
  const connections = trackConnections(server);
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const onSignal = (): void => void close();
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      // Watch streams end first, so their connections count as finished requests and close at once.
      hub.close();
      try {
        await connections.close(DRAIN_MS);
        await engine.close();
      } finally {
        markClosed();
      }
    })();
    return closing;
  };
  if (options.stopOnSignals) {
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }
  const resumed = await launcher.resumeUnfinished((run) => catalog.resolver(run.labels[MODULE_LABEL]));
  if (resumed.length > 0) out(`resumed ${resumed.length} run(s) left unfinished by the previous server: ${resumed.join(", ")}`);
  return { url, token, engine, secrets, closed, close };
}

/** How long a server waits for the claim on its store: a server that was just killed may still hold it for a moment. */
const CLAIM_WAIT_MS = 2_000;
const CLAIM_RETRY_MS = 200;

/** Makes this process the store's one server (see RunStore.claimServer), or throws StoreInUseError. */
async function claimStore(store: RunStore, log: (line: string) => void): Promise<void> {
  const holder = `flyte server pid ${process.pid} on ${hostname()}`;
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    try {
      await store.claimServer(holder, log);
      return;
    } catch (error) {
      if (!(error instanceof StoreInUseError) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
    }
  }
}

/**
 * A server's SQLite store: "full" syncs every commit, "runs" keeps NORMAL (see README); the log is checkpointed in
 * the background, so no request waits for a checkpoint's disk flush.
 */
export function sqliteOptions(durability: DurabilityPolicy | undefined, log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)): SqliteStoreOptions {
  return {
    synchronous: durability === "full" ? "full" : "normal",
    checkpoints: "background",
    onCheckpointError: (message) => log(`checkpointing the run database failed (it is retried; the log file grows meanwhile): ${message}`),
  };
}

/** The token to require: given, stored from an earlier start, or new (printed once). Checks insecureLocal's host. */
function resolveToken(options: ServerOptions, out: (line: string) => void): string | undefined {
  if (options.insecureLocal) {
    if (options.authToken !== undefined) throw new InvalidOptionError("--insecure-local and --auth-token exclude each other: pick one");
    if (!LOOPBACK.has(options.host)) {
      throw new InvalidOptionError(
        `--insecure-local serves without authentication, so it only binds to 127.0.0.1, localhost or ::1 (got host ${options.host}); drop --insecure-local to use a token`,
      );
    }
    return undefined;
  }
  if (options.authToken !== undefined) {
    if (!/^[\x21-\x7e]{16,}$/.test(options.authToken)) {
      throw new InvalidOptionError("--auth-token must be at least 16 printable characters without spaces");
    }
    return options.authToken;
  }
  const file = path.join(options.localDir, TOKEN_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored !== "") {
      // Another user must never read it, whoever created the file.
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      out(`using the API token stored in ${file}`);
      return stored;
    }
  }
  mkdirSync(options.localDir, { recursive: true });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  out(`API token (send it as Authorization: Bearer <token>; also stored in ${file}): ${token}`);
  return token;
}

async function loadTasks(files: readonly string[], importModule: (file: string) => Promise<Record<string, unknown>>): Promise<TaskTemplate[]> {
  const tasks: TaskTemplate[] = [];
  for (const file of files) {
    const exports = await importModule(path.resolve(file));
    for (const value of Object.values(exports)) {
      const template = taskTemplateOf(value);
      if (template && !tasks.some((task) => task.id === template.id)) tasks.push(template);
    }
  }
  return tasks;
}

async function defaultImport(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
