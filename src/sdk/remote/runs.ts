// Looking runs up by name or listing them, for Run.get / Run.list (flyte/remote): on the server set with
// flyte.init({ endpoint }), else in the local store. Every lookup is scoped to one project and domain; a run of
// another scope is "not found" here, with a message that says where it is.
import path from "node:path";
import { RunNotFoundError, fromErrorRecord } from "../../errors/index.js";
import { ACTION_PHASES, type ActionPhase, type RunRecord, type RunStore } from "../../store/index.js";
import { clientFor, currentSettings, localEngine, resolveMode } from "../config.js";
import { checkKnownKeys, checkPlainObject, invalidOption, optionField } from "../option-checks.js";
import { RemoteRunBackend } from "../remote-run.js";
import { Run } from "../run.js";
import { StoredRunBackend } from "./stored-run.js";

export interface RunLookupOptions {
  /** The run's project (default: flyte.init's, else "default"). */
  project?: string;
  /** The run's domain (default: flyte.init's, else "development"). */
  domain?: string;
  /** "remote" reads the server set with flyte.init({ endpoint }), "local" the local store; default "remote" when one is set. */
  mode?: "local" | "remote";
  /** Folder of the local store (default: flyte.init's, else `.flyte`). */
  localDir?: string;
}

export interface RunListOptions extends RunLookupOptions {
  /** At most this many runs (1 to 1000, default 50). */
  limit?: number;
  /** Skip this many of the newest runs first (paging). */
  offset?: number;
  /** Only runs in this phase. */
  phase?: ActionPhase;
  /** Only runs of this root task id (`env.task`). */
  task?: string;
}

/** A run as recorded: what `run.details()` returns. Times are ms since the Unix epoch. */
export interface RunDetails {
  readonly name: string;
  readonly url: string;
  readonly project: string;
  readonly domain: string;
  /** The root task's id, `env.task`. */
  readonly task: string;
  readonly phase: ActionPhase;
  readonly createdAt: number;
  readonly endedAt: number | null;
  readonly labels: Readonly<Record<string, string>>;
  /** Why the run failed, revived as its error class (code, message, the task's stack); null otherwise. */
  readonly error: Error | null;
}


const LOOKUP_KEYS = ["project", "domain", "mode", "localDir"] as const;
const LIST_KEYS = [...LOOKUP_KEYS, "limit", "offset", "phase", "task"] as const;
const MAX_LIST = 1000;

export function runDetails(record: RunRecord, url: string): RunDetails {
  return {
    name: record.name,
    url,
    project: record.project,
    domain: record.domain,
    task: record.taskName,
    phase: record.phase,
    createdAt: record.createdAt,
    endedAt: record.endedAt,
    labels: { ...record.labels },
    error: record.error ? fromErrorRecord(record.error) : null,
  };
}

/** Where runs are read, after the options and flyte.init's settings are combined. */
export type RunSource =
  | { readonly kind: "remote"; readonly endpoint: string; readonly project: string; readonly domain: string }
  | { readonly kind: "local"; readonly dir: string; readonly project: string; readonly domain: string };

export function runSource(options: RunLookupOptions, owner: string, keys: readonly string[] = LOOKUP_KEYS): RunSource {
  checkPlainObject(options, `${owner} options`);
  checkKnownKeys(options, keys, owner);
  const settings = currentSettings();
  for (const key of ["project", "domain", "localDir"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) throw invalidOption(optionField(owner, key), value, "a non-empty string");
  }
  const project = options.project ?? settings.project;
  const domain = options.domain ?? settings.domain;
  if (resolveMode(options.mode, owner) === "local") return { kind: "local", dir: path.resolve(options.localDir ?? settings.localDir), project, domain };
  // resolveMode answers "remote" only when a server is set.
  return { kind: "remote", endpoint: settings.endpoint as string, project, domain };
}

/** The local store of `dir`, with what this process's engine has queued for it written first. */
async function localStore(dir: string): Promise<RunStore> {
  const engine = localEngine(dir);
  await engine.resources.batcher.flush();
  return engine.store;
}

function handle<R>(source: RunSource, record: RunRecord): Run<R> {
  if (source.kind === "remote") return new Run<R>(record.name, new RemoteRunBackend(clientFor(source.endpoint), record));
  return new Run<R>(record.name, new StoredRunBackend(localEngine(source.dir), record, source.dir));
}

function where(source: RunSource): string {
  const scope = `project "${source.project}", domain "${source.domain}"`;
  return source.kind === "remote" ? `${scope} on the Flyte server at ${source.endpoint}` : `${scope} of the local store at ${source.dir}`;
}

export async function getRun<R>(name: string, options: RunLookupOptions): Promise<Run<R>> {
  const source = runSource(options, "Run.get");
  if (typeof name !== "string" || name === "") throw invalidOption("Run.get: the run name", name, "a run name like \"r3x9k2\"");
  let record: RunRecord | undefined;
  if (source.kind === "remote") {
    try {
      record = await clientFor(source.endpoint).getRun(name);
    } catch (error) {
      if (!(error instanceof RunNotFoundError)) throw error;
    }
  } else {
    record = await (await localStore(source.dir)).getRun(name);
  }
  const listHint = `list runs with "flyte get run"${source.kind === "local" ? " --local" : ""} or remote.Run.list()`;
  if (!record) throw new RunNotFoundError(`run "${name}" does not exist in ${where(source)}; ${listHint}`);
  if (record.project !== source.project || record.domain !== source.domain) {
    throw new RunNotFoundError(
      `run "${name}" does not exist in ${where(source)}: it belongs to project "${record.project}", domain "${record.domain}"; ` +
        `pass { project: "${record.project}", domain: "${record.domain}" } to read it`,
    );
  }
  return handle<R>(source, record);
}

export async function listRuns(options: RunListOptions): Promise<Run[]> {
  const source = runSource(options, "Run.list", LIST_KEYS);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw invalidOption(optionField("Run.list", "limit"), limit, `an integer from 1 to ${MAX_LIST}`);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidOption(optionField("Run.list", "offset"), offset, "a non-negative integer");
  if (options.phase !== undefined && !ACTION_PHASES.includes(options.phase)) {
    throw invalidOption(optionField("Run.list", "phase"), options.phase, `one of ${ACTION_PHASES.join(", ")}`);
  }
  if (options.task !== undefined && (typeof options.task !== "string" || !/^\S+\.\S+$/.test(options.task))) {
    throw invalidOption(optionField("Run.list", "task"), options.task, 'a task id like "env.task"');
  }
  const query = {
    limit,
    offset,
    project: source.project,
    domain: source.domain,
    ...(options.phase === undefined ? {} : { phase: options.phase }),
    ...(options.task === undefined ? {} : { taskName: options.task }),
  };
  const records = source.kind === "remote" ? (await clientFor(source.endpoint).listRuns(query)).runs : await (await localStore(source.dir)).listRuns(query);
  return records.map((record) => handle(source, record));
}
