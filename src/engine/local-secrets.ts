// Secrets of tasks that run in this process (local mode): each declared secret is the value of this process's
// environment variable `asEnvVar` (the user exports it), checked before the task's code runs — a missing one fails
// the attempt as SecretNotFoundError — and written at its mountPath until the run ends. Values are never recorded.
import { SecretNotFoundError } from "../errors/index.js";
import { SecretMounts, type SecretMountsOptions } from "./secret-mounts.js";
import type { SecretSpec, TaskTemplate } from "./types.js";

/** Where mounted files are scoped: local runs all share this process's environment. */
const LOCAL_SCOPE = "local mode";

export class LocalSecrets {
  private readonly mounts: SecretMounts;

  constructor(options: Omit<SecretMountsOptions, "writer">) {
    this.mounts = new SecretMounts({ ...options, writer: "flyte (local mode)" });
  }

  /**
   * Checks that every secret `task` declares is set in the environment and mounts those with a mountPath for the run.
   * @throws SecretNotFoundError naming each missing secret and the variable to export; SecretMountError.
   */
  prepare(runName: string, task: TaskTemplate, env: NodeJS.ProcessEnv = process.env): void {
    const { secrets } = task.placement;
    if (secrets.length === 0) return;
    const missing = secrets.filter((secret) => env[secret.asEnvVar] === undefined);
    if (missing.length > 0) throw missingError(task, missing);
    for (const secret of secrets) {
      if (secret.mountPath === undefined) continue;
      this.mounts.acquire(runName, { label: labelOf(secret), scope: LOCAL_SCOPE, mountPath: secret.mountPath, value: env[secret.asEnvVar] ?? "" });
    }
  }

  /** The run ended: its mounted files are removed. */
  endRun(runName: string): void {
    this.mounts.release(runName);
  }

  close(): void {
    this.mounts.removeAll();
  }
}

function missingError(task: TaskTemplate, missing: readonly SecretSpec[]): SecretNotFoundError {
  const names = missing.map((secret) => `"${labelOf(secret)}" (environment variable ${secret.asEnvVar})`).join(", ");
  const exports = missing.map((secret) => `export ${secret.asEnvVar}=…`).join("; ");
  const creates = missing.map((secret) => `flyte create secret ${secret.key}${secret.group === undefined ? "" : ` --group ${secret.group}`}`).join("; ");
  const one = missing.length === 1;
  return new SecretNotFoundError(
    `task ${task.id} declares ${one ? "secret" : "secrets"} ${names}, which ${one ? "is" : "are"} not set: in local mode a task's secrets come ` +
      `from the environment of the process that runs it; set ${one ? "it" : "them"} before the run (${exports}), or run on a server ` +
      `that stores ${one ? "it" : "them"} (${creates})`,
  );
}

function labelOf(secret: SecretSpec): string {
  return secret.group === undefined ? secret.key : `${secret.group}/${secret.key}`;
}
