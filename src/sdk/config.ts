// Process-wide SDK settings set by flyte.init(), and the local engines opened for them. Local mode keeps its
// state in a folder (default `.flyte` in the working directory, or FLYTE_LOCAL_DIR); with an endpoint, runs go
// to that Flyte server instead.
import path from "node:path";
import { InvalidOptionError } from "../errors/index.js";
import { openBlobStore } from "../blob/index.js";
import { LocalEngine } from "../engine/index.js";
import { loadConfig, type FlyteConfig } from "./config-file.js";
import { checkKnownKeys, checkPlainObject, invalidOption, optionField } from "./option-checks.js";
import type { FlyteClient } from "../client/index.js";
import { closeRemoteRuns, remoteClient } from "./remote-run.js";

export interface InitOptions {
  /** A Flyte server (`flyte start server`) to run on, e.g. http://localhost:8090: flyte.run() then starts runs there. */
  endpoint?: string;
  /** The server's API token (default: FLYTE_API_TOKEN). */
  token?: string;
  project?: string;
  domain?: string;
  /** Folder of the local engine's state (default `.flyte`, or FLYTE_LOCAL_DIR). */
  localDir?: string;
  /** Where raw data goes: `s3://bucket/prefix` (endpoint and credentials from FLYTE_S3_ENDPOINT and the AWS variables) or a folder. */
  store?: string;
  /** Encoded values longer than this many characters are offloaded to the store (default 1 MiB). */
  inlineLimit?: number;
}

interface Settings {
  /** Runs go to this server when set; local otherwise. */
  endpoint: string | undefined;
  token: string | undefined;
  project: string;
  domain: string;
  localDir: string;
  store: string | undefined;
  s3: { endpoint?: string | undefined; region?: string | undefined };
  inlineLimit: number | undefined;
}

const settings: Settings = {
  endpoint: undefined,
  token: undefined,
  project: "default",
  domain: "development",
  localDir: process.env["FLYTE_LOCAL_DIR"] || ".flyte",
  store: process.env["FLYTE_STORE"] || undefined,
  s3: {},
  inlineLimit: undefined,
};

const engines = new Map<string, LocalEngine>();
let exitHookInstalled = false;

/**
 * Sets the project, domain and local state folder used by later runs, or the server they run on.
 * @example await flyte.init({ endpoint: "http://localhost:8090", project: "ml", domain: "development" });
 */
export async function init(options: InitOptions = {}): Promise<void> {
  checkPlainObject(options, "flyte.init options");
  checkKnownKeys(options, ["endpoint", "token", "project", "domain", "localDir", "store", "inlineLimit"], "flyte.init");
  if (options.endpoint !== undefined) settings.endpoint = checkEndpoint(options.endpoint, optionField("flyte.init", "endpoint"));
  if (options.token !== undefined) {
    if (typeof options.token !== "string" || options.token === "") {
      throw new InvalidOptionError(`${optionField("flyte.init", "token")}: expected the server's API token as a non-empty string, got ${JSON.stringify(options.token)}`);
    }
    settings.token = options.token;
  }
  if (options.inlineLimit !== undefined) {
    if (!Number.isSafeInteger(options.inlineLimit) || options.inlineLimit < 1) {
      throw new InvalidOptionError(`${optionField("flyte.init", "inlineLimit")}: expected a positive integer, got ${JSON.stringify(options.inlineLimit)}`);
    }
    settings.inlineLimit = options.inlineLimit;
  }
  for (const key of ["project", "domain", "localDir", "store"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || value === "") {
      throw new InvalidOptionError(`${optionField("flyte.init", key)}: expected a non-empty string, got ${JSON.stringify(value)}`);
    }
    settings[key] = value;
  }
  await Promise.resolve();
}

/**
 * Applies the nearest `.flyte/config.yaml` (or FLYTE_CONFIG): project, domain, local state folder, and the
 * endpoint of the server runs go to (token from FLYTE_API_TOKEN).
 * @example flyte.initFromConfig(); const run = await flyte.run(main, [1, 2, 3]);
 */
export function initFromConfig(cwd: string = process.cwd()): FlyteConfig {
  const config = loadConfig(cwd);
  applyConfig(config);
  if (config.endpoint !== undefined) settings.endpoint = checkEndpoint(config.endpoint, `config file ${config.path ?? ""}: key "endpoint"`);
  return config;
}

/** An http(s) URL without trailing slashes. */
function checkEndpoint(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^https?:\/\/[^\s/]+/.test(value)) {
    throw new InvalidOptionError(`${field}: expected the URL of a Flyte server like http://localhost:8090, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Makes a loaded config the process's settings (the CLI does this for every command). The endpoint is left
 * alone: the CLI decides per command whether to go remote (initFromConfig sets it for code).
 */
export function applyConfig(config: FlyteConfig): void {
  settings.project = config.project;
  settings.domain = config.domain;
  settings.localDir = config.localDir;
  settings.store = config.store;
  settings.s3 = config.s3;
  settings.inlineLimit = config.inlineLimit;
}

export function currentSettings(): Readonly<Settings> {
  return settings;
}

/**
 * Where a call's `mode` option sends it: "remote" (the server set with flyte.init) or "local"; by default remote
 * when a server is set. `owner` names the call in errors.
 */
export function resolveMode(mode: unknown, owner: string): "local" | "remote" {
  if (mode !== undefined && mode !== "local" && mode !== "remote") throw invalidOption(optionField(owner, "mode"), mode, '"local" or "remote"');
  const resolved = mode ?? (settings.endpoint === undefined ? "local" : "remote");
  if (resolved === "remote" && settings.endpoint === undefined) {
    throw new InvalidOptionError(
      `${owner}: option "mode" is "remote", but no server is set; call flyte.init({ endpoint: "http://host:8090" }) or flyte.initFromConfig() with an endpoint in the config`,
    );
  }
  return resolved;
}

/** The client of the Flyte server at `endpoint`, with the token set by flyte.init, else FLYTE_API_TOKEN. */
export function clientFor(endpoint: string): FlyteClient {
  return remoteClient(endpoint, settings.token ?? (process.env["FLYTE_API_TOKEN"] || undefined));
}

/** The local engine whose state lives in `dir` (opened once per process and folder). */
export function localEngine(dir: string = settings.localDir): LocalEngine {
  const key = path.resolve(dir);
  let engine = engines.get(key);
  if (!engine) {
    const blobs = settings.store === undefined ? undefined : openBlobStore(settings.store, definedOnly(settings.s3));
    engine = LocalEngine.open(key, { blobs, inlineLimit: settings.inlineLimit });
    engines.set(key, engine);
    installExitHook();
  }
  return engine;
}

/**
 * Flushes and closes every local engine of this process, stops waiting for remote runs (they go on on the
 * server) and stops the bundler, so nothing of flyte keeps the process alive.
 */
export async function shutdown(): Promise<void> {
  const open = [...engines.values()];
  engines.clear();
  await Promise.all([...open.map((engine) => engine.close()), closeRemoteRuns()]);
}

function definedOnly(s3: Settings["s3"]): { endpoint?: string; region?: string } {
  return { ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }), ...(s3.region === undefined ? {} : { region: s3.region }) };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Log lines nobody awaited are still queued when a script's last run finishes; commit them before exit.
  process.on("beforeExit", () => {
    if (engines.size > 0) void shutdown();
  });
}
