// Deployed tasks: what `flyte deploy` registers and what runs of deployed tasks (by name, without their file)
// resolve to. A deploy is checked against the code it names before anything is stored — the bundle must be here
// and must define every task the deploy lists — and versions are immutable (the store refuses other code under a
// version it has). The settings kept with a version come from the server's own load of the bundle.
import type { DeployedTaskDefinition, DeploymentRequest, DeploymentResult } from "../deploy/deployment.js";
import type { TaskTemplate } from "../engine/index.js";
import { DeployedTaskNotFoundError } from "../errors/index.js";
import type { RunStore, TaskVersionRecord } from "../store/index.js";
import { invalidField, notFound } from "./api-error.js";
import type { TaskCatalog } from "./task-catalog.js";

export interface Scope {
  readonly project: string;
  readonly domain: string;
}

/** How many deployed tasks an error message lists before "…". */
const LISTED = 10;

export class DeployedTasks {
  constructor(
    private readonly store: RunStore,
    private readonly catalog: TaskCatalog,
  ) {}

  /** Registers every task of a deploy under its version. @throws ApiError 400 naming the field that is wrong. */
  async register(request: DeploymentRequest, scope: Scope, now = Date.now()): Promise<DeploymentResult> {
    const defined = await this.catalog.moduleTasks(request.code);
    const images = new Map<string, string | null>();
    request.environments.forEach((env, i) => {
      if (images.has(env.name)) {
        throw invalidField(`environments[${i}].name`, `environment "${env.name}" is listed twice; a deploy holds each environment once (environment names are unique)`);
      }
      images.set(env.name, env.image);
    });
    if (request.tasks.length === 0) throw invalidField("tasks", "is empty; a deploy registers at least one task");
    const seen = new Set<string>();
    const records = request.tasks.map((task, i): TaskVersionRecord => {
      const template = defined.get(task.id);
      if (!template) {
        const known = [...defined.keys()].sort().join(", ") || "none";
        throw invalidField(`tasks[${i}].id`, `the code ${request.code.slice(0, 12)}… defines no task "${task.id}" (it defines: ${known}); deploy the file that defines it`);
      }
      if (seen.has(task.id)) throw invalidField(`tasks[${i}].id`, `task "${task.id}" is listed twice`);
      seen.add(task.id);
      if (!images.has(template.envName)) {
        throw invalidField(`tasks[${i}].id`, `task "${task.id}" belongs to environment "${template.envName}", which the deploy does not list in environments`);
      }
      return {
        ...scope,
        taskId: task.id,
        version: request.version,
        envName: template.envName,
        code: request.code,
        definition: JSON.stringify(definitionOf(template, task, images.get(template.envName) ?? null)),
        createdAt: now,
        deployedAt: now,
      };
    });
    const outcome = await this.store.registerTaskVersions(records);
    return { ...scope, version: request.version, code: request.code, created: outcome.created, redeployed: outcome.redeployed };
  }

  /**
   * The latest deployed version of a task that no loaded file defines (callers look there first): a 404
   * TASK_NOT_FOUND naming what is loaded and the scope when nothing is deployed either, ending with `fix`.
   */
  async latestOfUnloaded(scope: Scope, taskId: string, fix: string): Promise<TaskVersionRecord> {
    const found = await this.store.getTaskVersion(scope.project, scope.domain, taskId);
    if (found) return found;
    const loaded = this.catalog.list().map((t) => t.id).join(", ") || "none";
    throw notFound(
      "TASK_NOT_FOUND",
      `no task "${taskId}" is loaded in this server (loaded: ${loaded}) or deployed in project "${scope.project}", domain "${scope.domain}"; ${fix}`,
    );
  }

  /** A deployed task's version (the latest when `version` is undefined). @throws DeployedTaskNotFoundError listing what exists. */
  async require(scope: Scope, taskId: string, version?: string): Promise<TaskVersionRecord> {
    const found = await this.store.getTaskVersion(scope.project, scope.domain, taskId, version);
    if (found) return found;
    const where = `project "${scope.project}", domain "${scope.domain}"`;
    if (version !== undefined && (await this.store.getTaskVersion(scope.project, scope.domain, taskId))) {
      const versions = await this.store.listTaskVersions({ ...scope, taskId, limit: LISTED });
      throw new DeployedTaskNotFoundError(
        `task "${taskId}" has no version "${version}" in ${where}; its latest versions: ${versions.map((v) => v.version).join(", ")} (flyte get task ${taskId})`,
      );
    }
    const deployed = await this.store.listTaskVersions({ ...scope, limit: LISTED + 1 });
    const names = deployed.slice(0, LISTED).map((v) => v.taskId).join(", ") + (deployed.length > LISTED ? ", …" : "");
    throw new DeployedTaskNotFoundError(
      `no task "${taskId}" is deployed in ${where}` +
        (deployed.length > 0 ? `; deployed tasks there: ${names}` : "; nothing is deployed there yet") +
        ` — deploy it with flyte deploy FILE.ts, or check the project and domain`,
    );
  }
}

function definitionOf(template: TaskTemplate, task: DeploymentRequest["tasks"][number], image: string | null): DeployedTaskDefinition {
  return {
    inputs: task.inputs,
    output: task.output,
    outputTypeText: task.outputTypeText,
    docs: task.docs,
    retries: template.retries.count,
    cache: template.cache.behavior,
    report: template.report,
    image,
  };
}
