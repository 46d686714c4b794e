// A task template as plain data: what a worker tells the engine about the tasks its module defines. The
// engine rebuilds templates from it without loading user code (two versions of one file can then run side
// by side in different workers, which a single process could never import together).
import type { TaskTemplate } from "../engine/index.js";
import { InvalidInputError } from "../errors/index.js";
import { createRetryPolicy, type Backoff } from "../sdk/retry-policy.js";

export type TaskSpec = Omit<TaskTemplate, "fn" | "retries"> & {
  readonly retries: { readonly count: number; readonly backoff: Backoff | null };
};

export function taskSpecOf(template: TaskTemplate): TaskSpec {
  const { cache } = template;
  return {
    id: template.id,
    name: template.name,
    envName: template.envName,
    inputNames: template.inputNames,
    retries: { count: template.retries.count, backoff: (template.retries as { backoff?: Backoff | null }).backoff ?? null },
    timeout: { maxRuntimeMs: template.timeout.maxRuntimeMs, maxQueuedMs: template.timeout.maxQueuedMs },
    cache: {
      behavior: cache.behavior,
      versionOverride: cache.versionOverride,
      ignoredInputs: cache.ignoredInputs,
      serialize: cache.serialize,
      salt: cache.salt,
    },
    report: template.report,
    codeHash: template.codeHash,
    interfaceHash: template.interfaceHash,
    placement: template.placement,
  };
}

/** A template whose code lives in a worker: the engine schedules it, an executor runs it. */
export function templateFromSpec(spec: TaskSpec): TaskTemplate {
  return {
    ...spec,
    retries: createRetryPolicy(spec.retries.count, spec.retries.backoff),
    fn: () => {
      throw new InvalidInputError(`task ${spec.id} runs in a worker process; it cannot be called in the engine's process`);
    },
  };
}
