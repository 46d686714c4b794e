// The engine a CLI command works on: the local one the config in effect describes (state folder, blob store,
// inline limit), or, when an endpoint is configured or passed, a Flyte server reached through FlyteClient.
// Both sit behind RunAccess, so the get/abort commands are written once.
import path from "node:path";
import { FlyteApiError, FlyteClient } from "../client/index.js";
import type { LocalEngine } from "../engine/index.js";
import { errorCode } from "../errors/index.js";
import { applyConfig, loadConfig, localEngine, type FlyteConfig } from "../sdk/index.js";
import type { ActionRecord, AttemptRecord, ListRunsQuery, LogRecord, RunRecord } from "../store/index.js";
import { UsageError } from "./inputs/index.js";
import { EXIT_FAILED, type Io } from "./io.js";

/**
 * Where task interfaces read from TypeScript signatures are cached (by content hash): `FLYTE_INTERFACE_CACHE`, so
 * several state folders (CI jobs, test suites) can share one, else `<localDir>/cache`.
 */
export function interfaceCacheDir(config: FlyteConfig): string {
  return process.env["FLYTE_INTERFACE_CACHE"] || path.join(config.localDir, "cache");
}

export function commandConfig(io: Io): FlyteConfig {
  const config = loadConfig(io.cwd);
  applyConfig(config);
  return config;
}

export function commandEngine(io: Io): LocalEngine {
  return localEngine(commandConfig(io).localDir);
}

/** What `flyte get` reads and `flyte abort` changes, wherever the runs live. Missing things are `undefined`. */
export interface RunAccess {
  /** "local" or the server's endpoint, for messages. */
  readonly where: string;
  getRun(name: string): Promise<RunRecord | undefined>;
  listRuns(query: ListRunsQuery): Promise<RunRecord[]>;
  listActions(run: string): Promise<ActionRecord[]>;
  getAction(run: string, action: string): Promise<{ action: ActionRecord; attempts: AttemptRecord[] } | undefined>;
  getLogs(run: string, action?: string, attempt?: number): Promise<LogRecord[]>;
  /** `attempt` is null when the source does not say which attempt wrote it. */
  getReport(run: string, action: string): Promise<{ html: string; attempt: number | null } | undefined>;
  /** Asks whoever executes the run to stop it; the run reaches a terminal phase shortly after. */
  requestAbort(name: string, reason: string): Promise<void>;
}

/** Flags every get/abort command takes to choose where runs are read from. */
export interface AccessFlags {
  endpoint?: string;
  local?: boolean;
}

export function commandRunAccess(io: Io, flags: AccessFlags): RunAccess {
  const config = commandConfig(io);
  const client = commandClient(config, flags);
  return client ? remoteRunAccess(client) : localRunAccess(localEngine(config.localDir));
}

/**
 * The server a command talks to: `--endpoint`, else the config's endpoint, with the token from FLYTE_API_TOKEN;
 * undefined when there is none or `--local` asks for the local store.
 */
export function commandClient(config: FlyteConfig, flags: AccessFlags): FlyteClient | undefined {
  if (flags.local && flags.endpoint !== undefined) throw new UsageError("--local and --endpoint contradict each other; pass one");
  const endpoint = flags.local ? undefined : (flags.endpoint ?? config.endpoint);
  if (endpoint === undefined) return undefined;
  if (!/^https?:\/\/\S+$/.test(endpoint)) {
    const source = flags.endpoint !== undefined ? "--endpoint" : `the endpoint in ${config.path ?? "the config"}`;
    throw new UsageError(`${source} must be an http(s) URL like http://localhost:8090, got ${endpoint}`);
  }
  return new FlyteClient({ endpoint, token: process.env["FLYTE_API_TOKEN"] || undefined });
}

export function localRunAccess(engine: LocalEngine): RunAccess {
  const { store } = engine;
  return {
    where: "local",
    getRun: (name) => store.getRun(name),
    listRuns: (query) => store.listRuns(query),
    listActions: (run) => store.listActions(run),
    async getAction(run, name) {
      const action = await store.getAction(run, name);
      return action && { action, attempts: await store.listAttempts(run, name) };
    },
    getLogs: (run, action, attempt) => store.getLogs(run, action, attempt),
    async getReport(run, action) {
      const report = await store.getReport(run, action);
      return report && { html: report.html, attempt: report.attempt };
    },
    requestAbort: (name, reason) => engine.requestAbort(name, reason),
  };
}

/** `undefined` for a 404 of one of `codes`; any other failure is rethrown. */
async function orMissing<T>(promise: Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (codes.includes(errorCode(error))) return undefined;
    throw error;
  }
}

export function remoteRunAccess(client: FlyteClient): RunAccess {
  return {
    where: client.endpoint,
    getRun: (name) => orMissing(client.getRun(name), "RUN_NOT_FOUND"),
    async listRuns(query) {
      return (await client.listRuns(query)).runs;
    },
    listActions: (run) => client.listActions(run),
    getAction: (run, action) => orMissing(client.getAction(run, action), "ACTION_NOT_FOUND", "RUN_NOT_FOUND"),
    getLogs: (run, action, attempt) => client.getLogs(run, action, attempt),
    async getReport(run, action) {
      const html = await orMissing(client.getReport(run, action), "REPORT_NOT_FOUND");
      return html === undefined ? undefined : { html, attempt: null };
    },
    async requestAbort(name, reason) {
      // Ended between our read and the request: nothing to abort, and the caller sees the terminal phase.
      await orMissing(client.abortRun(name, reason), "RUN_ALREADY_ENDED");
    },
  };
}

/**
 * Runs a command body, reporting a client failure (server down, wrong token, an API error) as one line and exit
 * code 1 instead of a stack trace: the fault is in the setup or on the server, not in this process.
 */
export async function withRunAccess(io: Io, flags: AccessFlags, body: (access: RunAccess) => Promise<void>): Promise<void> {
  try {
    await body(commandRunAccess(io, flags));
  } catch (error) {
    if (!reportClientFailure(io, error)) throw error;
    io.exitCode = EXIT_FAILED;
  }
}

/** Prints a client failure (server down, wrong token, an API error) as one line; false for any other error. */
export function reportClientFailure(io: Io, error: unknown): boolean {
  const remote = error instanceof FlyteApiError || ["SERVER_UNREACHABLE", "UNAUTHORIZED"].includes(errorCode(error));
  if (!remote || !(error instanceof Error)) return false;
  io.err(`error: ${error.message}`);
  return true;
}
