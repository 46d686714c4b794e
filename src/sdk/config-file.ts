// The `.flyte/config.yaml` file: found by walking up from the working directory (FLYTE_CONFIG names one
// explicitly), validated key by key, and written by `flyte create config`. Relative paths inside it are
// relative to the folder that holds the file.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { InvalidOptionError } from "../errors/index.js";
import { checkKnownKeys, describeValue } from "./option-checks.js";

export const CONFIG_DIR = ".flyte";
export const CONFIG_FILE = "config.yaml";

/** The settings a config file holds, resolved (paths absolute, defaults applied). */
export interface FlyteConfig {
  /** The file they came from, or undefined when none was found. */
  readonly path: string | undefined;
  readonly endpoint: string | undefined;
  readonly project: string;
  readonly domain: string;
  /** Folder of the local engine's state (runs, cache, data). */
  readonly localDir: string;
  /** Blob store for raw data: `s3://bucket/prefix` or a folder; undefined means `<localDir>/data`. */
  readonly store: string | undefined;
  /** Settings of an S3-compatible store (credentials come from the standard AWS environment variables). */
  readonly s3: { readonly endpoint?: string | undefined; readonly region?: string | undefined };
  /** Values larger than this many characters are offloaded to the blob store (default 1 MiB). */
  readonly inlineLimit: number | undefined;
}

/** What `flyte create config` writes; omitted keys are left out of the file. */
export interface ConfigValues {
  endpoint?: string | undefined;
  project?: string | undefined;
  domain?: string | undefined;
  localDir?: string | undefined;
}

const KEYS = ["endpoint", "project", "domain", "local", "store", "s3"] as const;
const LOCAL_KEYS = ["dir", "inlineLimit"] as const;
const S3_KEYS = ["endpoint", "region"] as const;

/** The config file that applies to `cwd`: FLYTE_CONFIG, else the nearest `.flyte/config.yaml` upwards. */
export function findConfigFile(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env["FLYTE_CONFIG"];
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new InvalidOptionError(`FLYTE_CONFIG names ${file}, which does not exist; create it with "flyte create config" or unset FLYTE_CONFIG`);
    }
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_DIR, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Loads the config that applies to `cwd` (defaults when there is none). */
export function loadConfig(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): FlyteConfig {
  const file = findConfigFile(cwd, env);
  const envDir = env["FLYTE_LOCAL_DIR"] || undefined;
  const envStore = env["FLYTE_STORE"] || undefined;
  if (!file) {
    return {
      path: undefined,
      endpoint: undefined,
      project: "default",
      domain: "development",
      localDir: path.resolve(cwd, envDir ?? CONFIG_DIR),
      store: envStore && resolveStoreSpec(envStore, cwd),
      s3: {},
      inlineLimit: undefined,
    };
  }
  const raw = parseFile(file);
  const owner = `config file ${file}`;
  checkKnownKeys(raw, KEYS, owner);
  const local = raw["local"] === undefined ? {} : objectAt(raw["local"], `${owner}: key "local"`);
  checkKnownKeys(local, LOCAL_KEYS, `${owner}: key "local"`);
  const base = path.dirname(file);
  const localDir = stringAt(local["dir"], `${owner}: key "local.dir"`);
  const s3 = raw["s3"] === undefined ? {} : objectAt(raw["s3"], `${owner}: key "s3"`);
  checkKnownKeys(s3, S3_KEYS, `${owner}: key "s3"`);
  const store = envStore ?? stringAt(raw["store"], `${owner}: key "store"`);
  return {
    path: file,
    endpoint: stringAt(raw["endpoint"], `${owner}: key "endpoint"`),
    project: stringAt(raw["project"], `${owner}: key "project"`) ?? "default",
    domain: stringAt(raw["domain"], `${owner}: key "domain"`) ?? "development",
    // A config file in `.flyte/` keeps local state beside it unless it says otherwise.
    localDir: envDir ? path.resolve(cwd, envDir) : localDir ? path.resolve(base, localDir) : base,
    store: store && resolveStoreSpec(store, envStore ? cwd : base),
    s3: { endpoint: stringAt(s3["endpoint"], `${owner}: key "s3.endpoint"`), region: stringAt(s3["region"], `${owner}: key "s3.region"`) },
    inlineLimit: positiveIntegerAt(local["inlineLimit"], `${owner}: key "local.inlineLimit"`),
  };
}

/** A store spec with a relative folder resolved against `base`; URIs are kept as they are. */
function resolveStoreSpec(spec: string, base: string): string {
  return /^[a-z][a-z0-9+.-]*:/.test(spec) ? spec : path.resolve(base, spec);
}

function positiveIntegerAt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(`${field}: got ${describeValue(value)}; expected a positive integer (characters).`);
  }
  return value;
}

/** Writes a config file (creating its folder); returns its path. */
export function writeConfig(file: string, values: ConfigValues): string {
  const doc: Record<string, unknown> = {};
  if (values.endpoint !== undefined) doc["endpoint"] = values.endpoint;
  doc["project"] = values.project ?? "default";
  doc["domain"] = values.domain ?? "development";
  if (values.localDir !== undefined) doc["local"] = { dir: values.localDir };
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, stringify(doc));
  renameSync(temp, file);
  return file;
}

function parseFile(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidOptionError(`config file ${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  return objectAt(value, `config file ${file}`);
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`${field}: got ${describeValue(value)}; expected a mapping of keys to values.`);
  }
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new InvalidOptionError(`${field}: got ${describeValue(value)}; expected a non-empty string.`);
  }
  return value;
}
