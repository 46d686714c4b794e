// flyte.deploy(): registers the tasks of environments on a Flyte server under a content-hash version. The file
// that defines them is bundled (esbuild, npm packages external with their versions), uploaded only when the
// server lacks that bundle, and every task of the environments and of their `dependsOn` is registered with its
// interface. Deploying unchanged code again gives the same version and uploads nothing.
import path from "node:path";
import { bundleEntry, type CodeBundle } from "../deploy/bundle.js";
import { deploymentVersion, VERSION_PATTERN, type DeployEnvironment, type DeploymentResult, type DeployTask } from "../deploy/deployment.js";
import { extractInterfaces, interfacesById } from "../deploy/interface/index.js";
import type { FlyteClient } from "../client/index.js";
import type { TaskTemplate } from "../engine/index.js";
import { InvalidOptionError } from "../errors/index.js";
import { WORKER_SETTINGS_ENV } from "../worker/protocol.js";
import { taskSpecOf } from "../worker/task-spec.js";
import { clientFor, currentSettings } from "./config.js";
import { TaskEnvironment } from "./environment.js";
import { checkKnownKeys, checkPlainObject } from "./option-checks.js";
import { taskTemplateOf } from "./task.js";
import { taskSourceFile } from "./task-source.js";

/** Options of {@link deploy}. */
export interface DeployOptions {
  /** The file to bundle (default: the file that defines the environments' tasks). */
  file?: string;
  project?: string;
  domain?: string;
  /** A version of your own instead of the content hash (letters, digits, ".", "_", "-"); it must never be reused for other code. */
  version?: string;
  /** Paths in the bundle are relative to this folder (default: the working directory). */
  cwd?: string;
}

/** What the CLI passes besides the environments: it read the file itself and may show progress. */
export interface DeployRequest {
  readonly file: string;
  readonly cwd: string;
  readonly project: string;
  readonly domain: string;
  readonly version?: string | undefined;
  /** Folder for the interface-extraction cache. */
  readonly cacheDir?: string | undefined;
  /** Told whether the bundle was uploaded or found on the server. */
  readonly onCode?: ((bundle: CodeBundle, uploaded: boolean) => void) | undefined;
}

const DEPLOY_KEYS = ["file", "project", "domain", "version", "cwd"] as const;

/**
 * Deploys environments (and the environments they depend on) to the server set with flyte.init({ endpoint }).
 * Guard the call so that workers importing the file for its tasks do not deploy again:
 * @example
 * if (import.meta.url === `file://${process.argv[1]}`) await flyte.deploy(env);
 */
export async function deploy(environments: TaskEnvironment | readonly TaskEnvironment[], options: DeployOptions = {}): Promise<DeploymentResult> {
  checkPlainObject(options, "flyte.deploy options");
  checkKnownKeys(options, DEPLOY_KEYS, "flyte.deploy");
  if (process.env[WORKER_SETTINGS_ENV] !== undefined) {
    // The file deploys itself at its top level and a worker just imported it to run its tasks.
    throw new InvalidOptionError(
      "flyte.deploy was called while a Flyte worker loaded this file to run its tasks; run it only when the file is the program: if (import.meta.url === `file://${process.argv[1]}`) await flyte.deploy(env)",
    );
  }
  const settings = currentSettings();
  if (settings.endpoint === undefined) {
    throw new InvalidOptionError(
      "flyte.deploy registers tasks on a Flyte server, and none is set: call flyte.init({ endpoint: \"http://localhost:8090\" }) first (start one with flyte start server)",
    );
  }
  const selected = withDependencies(Array.isArray(environments) ? environments : [environments as TaskEnvironment]);
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = options.file === undefined ? definingFile(selected) : path.resolve(cwd, options.file);
  return deployEnvironments(clientFor(settings.endpoint), selected, {
    file,
    cwd,
    project: options.project ?? settings.project,
    domain: options.domain ?? settings.domain,
    version: options.version,
  });
}

/** Bundles, uploads when missing and registers `environments` (already closed over dependsOn). */
export async function deployEnvironments(client: FlyteClient, unordered: readonly TaskEnvironment[], request: DeployRequest): Promise<DeploymentResult> {
  // By name, so the version does not depend on the order the environments were named or discovered in.
  const environments = [...unordered].sort((a, b) => a.name.localeCompare(b.name));
  if (request.version !== undefined && !VERSION_PATTERN.test(request.version)) {
    throw new InvalidOptionError(`deploy version: got ${JSON.stringify(request.version)}; expected letters, digits, ".", "_" or "-" (at most 128, starting with a letter or digit)`);
  }
  const defined = environments.flatMap((env) => [...env.taskMap.values()]).sort((a, b) => a.id.localeCompare(b.id));
  const templates = defined.map((task) => taskTemplateOf(task) as TaskTemplate);
  if (templates.length === 0) {
    throw new InvalidOptionError(`environment${environments.length === 1 ? "" : "s"} ${environments.map((env) => `"${env.name}"`).join(", ")} define${environments.length === 1 ? "s" : ""} no tasks; nothing to deploy (define one with env.task(...))`);
  }
  const interfaces = (await extractInterfaces(request.file, request.cacheDir === undefined ? {} : { cacheDir: request.cacheDir })).tasks;
  const bundle = await bundleEntry(request.file, { cwd: request.cwd });
  const matched = interfacesById(templates, interfaces);
  const tasks = defined.map((task): DeployTask => {
    const iface = matched.get(task.id);
    return {
      id: task.id,
      envName: task.envName,
      inputs: iface?.inputs ?? null,
      output: iface?.output ?? null,
      outputTypeText: iface?.outputTypeText ?? null,
      docs: task.docs ?? null,
    };
  });
  const envs = environments.map(deployEnvironment);
  const version = request.version ?? deploymentVersion(bundle.hash, { environments: environments.map(environmentSettings), tasks: templates.map(taskSpecOf) });
  const uploaded = !(await client.hasCode(bundle.hash));
  if (uploaded) await client.uploadCode({ ...bundle, interfaces: inputsById(tasks) });
  request.onCode?.(bundle, uploaded);
  return client.deploy({ project: request.project, domain: request.domain, version, code: bundle.hash, environments: envs, tasks });
}

/** The environments and, transitively, every environment they depend on (each once, in first-seen order). */
export function withDependencies(roots: readonly TaskEnvironment[]): TaskEnvironment[] {
  const seen = new Set<TaskEnvironment>();
  const visit = (env: TaskEnvironment): void => {
    if (seen.has(env)) return;
    seen.add(env);
    env.dependsOn.forEach(visit);
  };
  roots.forEach((env, i) => {
    if (!(env instanceof TaskEnvironment)) throw new InvalidOptionError(`flyte.deploy: environment ${i} is not a TaskEnvironment (got ${typeof env})`);
    visit(env);
  });
  return [...seen];
}

/** The one file that defines all of the environments' tasks; several files need `{ file }`. */
function definingFile(environments: readonly TaskEnvironment[]): string {
  const files = new Set<string>();
  for (const env of environments) for (const task of env.taskMap.values()) {
    const file = taskSourceFile(task);
    if (file !== undefined) files.add(file);
  }
  const [only, ...others] = [...files];
  if (only !== undefined && others.length === 0) return only;
  if (only === undefined) {
    throw new InvalidOptionError("flyte.deploy: cannot tell which file defines the environments' tasks; pass { file: \"path/to/tasks.ts\" }");
  }
  throw new InvalidOptionError(
    `flyte.deploy: the tasks are defined in several files (${[...files].map((f) => path.basename(f)).join(", ")}); pass { file } naming the one that imports all of them`,
  );
}

function deployEnvironment(env: TaskEnvironment): DeployEnvironment {
  return { name: env.name, dependsOn: env.dependsOn.map((dep) => dep.name), image: imageName(env) };
}

function imageName(env: TaskEnvironment): string | null {
  return env.image === undefined ? null : env.image.identifier;
}

/** Everything about an environment that changes how its tasks run; part of the version. */
function environmentSettings(env: TaskEnvironment): unknown {
  return {
    name: env.name,
    image: env.image?.toJSON() ?? null,
    resources: env.resources ?? null,
    env: env.env,
    secrets: env.secrets.map((secret) => secret.toJSON()),
    cache: env.cache,
    reusable: env.reusable ?? null,
    dependsOn: env.dependsOn.map((dep) => dep.name),
    description: env.description ?? null,
  };
}

function inputsById(tasks: readonly DeployTask[]): Record<string, DeployTask["inputs"] & object> {
  const byId: Record<string, DeployTask["inputs"] & object> = {};
  for (const task of tasks) if (task.inputs !== null) byId[task.id] = task.inputs;
  return byId;
}
