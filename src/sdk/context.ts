// flyte.ctx(): what a running task knows about itself. Outside a run there is no context (undefined), so task
// functions stay callable as plain functions in unit tests.
import { attemptDataPrefix, currentFrame } from "../engine/index.js";

export interface TaskContext {
  readonly runName: string;
  readonly actionName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** `envName.taskName`. */
  readonly taskName: string;
  readonly project: string;
  readonly domain: string;
  /** The action's inputs by parameter name. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Where this action may write raw data (files it creates). */
  readonly rawDataPath: string;
  /** The `flyte.group` the code is in, if any. */
  readonly group: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** Aborted when the action times out or the run is aborted; `signal.reason` is the error. */
  readonly signal: AbortSignal;
}

/**
 * The context of the task that is running, or undefined outside a run.
 * @example const { signal, attempt } = flyte.ctx() ?? {};
 */
export function ctx(): TaskContext | undefined {
  const frame = currentFrame();
  if (!frame) return undefined;
  const { run, node, task, args, group } = frame;
  const inputs: Record<string, unknown> = {};
  args.forEach((arg, i) => {
    inputs[task.inputNames[i] ?? `arg${i}`] = arg;
  });
  return {
    runName: run.name,
    actionName: node.name,
    attempt: node.attempt,
    taskName: task.id,
    project: run.settings.project,
    domain: run.settings.domain,
    inputs,
    rawDataPath: attemptDataPrefix(run.rawDataPath, node.name, node.attempt),
    group,
    labels: run.settings.labels,
    get signal() {
      return node.signal;
    },
  };
}
