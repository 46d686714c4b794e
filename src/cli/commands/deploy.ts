// `flyte deploy FILE [ENV]` registers the tasks of a file's environments (or of ENV and what it depends on) on a
// Flyte server under a content-hash version, uploading the code bundle only when the server lacks it; `flyte get
// task [ID]` lists deployed tasks and the versions of one. Every fault in the file (no environments, a clashing
// environment name, a task name that is not an identifier) is reported before anything is uploaded.
import path from "node:path";
import type { Command } from "commander";
import { errorCode } from "../../errors/index.js";
import { environmentNamed, environmentNames } from "../../sdk/index.js";
import { deployEnvironments, withDependencies } from "../../sdk/deploy.js";
import type { ApiDeployedTask } from "../../server/index.js";
import { commandConfig, interfaceCacheDir, reportClientFailure } from "../engine.js";
import { formatTable, toDisplayJson } from "../format.js";
import { UsageError } from "../inputs/index.js";
import { EXIT_FAILED, type Io } from "../io.js";
import { importUserModule } from "../load-module.js";
import { reported, scopeOptions, serverTarget, verb, type ScopeFlags } from "./server-target.js";

interface DeployFlags extends ScopeFlags {
  version?: string;
}

export function registerDeployCommands(program: Command, io: Io): void {
  scopeOptions(
    program
      .command("deploy")
      .description("register the tasks of a file's environments on the server under a content-hash version (ENV: only it and what it depends on)")
      .argument("<file>", "TypeScript file that defines the environments")
      .argument("[env]", "deploy only this environment and the environments it depends on")
      .option("--version <version>", "a version of your own instead of the content hash (never reuse one for other code)"),
    "the deploy",
  ).action(async (file: string, envName: string | undefined, flags: DeployFlags) => {
    io.exitCode = await deployCommand(io, file, envName, flags);
  });

  scopeOptions(
    verb(program, "get", "show runs, actions, outputs, logs, reports, config, secrets and tasks")
      .command("task")
      .description("list deployed tasks (latest version of each), or the versions of one task")
      .argument("[id]", "task id, env.task")
      .option("--limit <n>", "number of versions to list", "20")
      .option("--json", "machine-readable output"),
    "the tasks",
  ).action(async (id: string | undefined, flags: ScopeFlags & { json?: boolean; limit: string }) => {
    const target = serverTarget(io, flags, "get task", "deployed tasks live there");
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${flags.limit}`);
    const scope = { project: target.project, domain: target.domain };
    await reported(io, ["DEPLOYED_TASK_NOT_FOUND"], async () => {
      if (id === undefined) {
        const tasks = await target.client.listDeployedTasks(scope);
        if (flags.json) return io.out(toDisplayJson(tasks));
        if (tasks.length === 0) return io.out(`no tasks are deployed in project ${target.project}, domain ${target.domain}; deploy some with: flyte deploy FILE.ts`);
        for (const line of formatTable([["TASK", "LATEST VERSION", "DEPLOYED", "INPUTS"], ...tasks.map((t) => [t.id, t.version, isoTime(t.deployedAt), inputsText(t)])])) io.out(line);
        return;
      }
      const versions = await target.client.listTaskVersions(id, { ...scope, limit });
      if (flags.json) return io.out(toDisplayJson(versions));
      const latest = versions[0];
      if (latest) io.out(`${latest.id} (${latest.project}/${latest.domain}): ${inputsText(latest)} → ${latest.outputTypeText ?? "?"}`);
      for (const line of formatTable([["VERSION", "DEPLOYED", "CODE", ""], ...versions.map((t, i) => [t.version, isoTime(t.deployedAt), t.code.slice(0, 12), i === 0 ? "latest" : ""])])) io.out(line);
    });
  });
}

async function deployCommand(io: Io, file: string, envName: string | undefined, flags: DeployFlags): Promise<number> {
  const target = serverTarget(io, flags, "deploy", "tasks are deployed to it");
  const absolute = path.resolve(io.cwd, file);
  await importUserModule(absolute);
  const names = environmentNames();
  if (names.length === 0) {
    throw new UsageError(`${file} defines no TaskEnvironment, so there is nothing to deploy; define one: const env = new flyte.TaskEnvironment({ name: "etl" })`);
  }
  let roots = names.map((name) => environmentNamed(name)!);
  if (envName !== undefined) {
    const env = environmentNamed(envName);
    if (!env) throw new UsageError(`${file} defines no environment "${envName}"; its environments: ${names.join(", ")}`);
    roots = [env];
  }
  const environments = withDependencies(roots);
  const config = commandConfig(io);
  try {
    const result = await deployEnvironments(target.client, environments, {
      file: absolute,
      cwd: io.cwd,
      project: target.project,
      domain: target.domain,
      version: flags.version,
      cacheDir: interfaceCacheDir(config),
      onCode: (bundle, uploaded) =>
        io.err(uploaded ? `uploaded code bundle ${bundle.hash.slice(0, 12)} (${bundle.entry})` : `code bundle ${bundle.hash.slice(0, 12)} is already on the server`),
    });
    const changed = result.created.length > 0;
    io.err(
      `${changed ? "deployed" : "unchanged:"} version ${result.version} of ${environments.map((env) => env.name).sort().join(", ")} ` +
        `in project ${result.project}, domain ${result.domain} on ${target.client.endpoint}`,
    );
    for (const id of result.created) io.err(`  ${id}  new`);
    for (const id of result.redeployed) io.err(`  ${id}  ${changed ? "unchanged" : "already deployed"}`);
    io.out(result.version);
    return 0;
  } catch (error) {
    const code = errorCode(error);
    if (code === "CODE_BUNDLE" || code === "INVALID_OPTION") throw new UsageError((error as Error).message, { cause: error });
    if (code === "TASK_VERSION_CONFLICT" && error instanceof Error) {
      io.err(`error: ${error.message}`);
      return EXIT_FAILED;
    }
    if (reportClientFailure(io, error)) return EXIT_FAILED;
    throw error;
  }
}

function inputsText(task: ApiDeployedTask): string {
  if (!task.inputsKnown) return "(inputs unknown: not exported)";
  return `(${task.inputs.map((input) => `${input.name}${input.optional ? "?" : ""}: ${input.typeText}`).join(", ")})`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

