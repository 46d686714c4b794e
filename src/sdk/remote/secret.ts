// remote.Secret: secrets stored (encrypted) on the Flyte server set with flyte.init({ endpoint }), by project and
// domain. Values go to the server once and never come back: nothing here logs, returns or puts one in an error.
import type { SecretInfo } from "../../client/index.js";
import { InvalidOptionError } from "../../errors/index.js";
import { clientFor, currentSettings } from "../config.js";
import { checkKnownKeys, checkPlainObject, invalidOption, optionField } from "../option-checks.js";
import type { FlyteClient } from "../../client/index.js";

export type { SecretInfo };

/** Where a secret lives; project and domain default to flyte.init's ("default" / "development"). */
export interface SecretScopeOptions {
  project?: string;
  domain?: string;
}

export interface SecretOptions extends SecretScopeOptions {
  /** An optional namespace: tasks name the secret as `{ group, key }`. */
  group?: string;
}

/**
 * Secrets on the Flyte server. Tasks that declare one (`secrets: [...]` on the task or its environment) get it
 * as an environment variable in the server's workers.
 * @example
 * await flyte.init({ endpoint: "http://localhost:8090", project: "ml" });
 * await remote.Secret.create("openai-key", process.env.OPENAI_KEY!);
 * console.log((await remote.Secret.list()).map((s) => s.name));
 */
export class Secret {
  private constructor() {}

  /** Stores `value` as secret `name`, replacing the value it had (then `updatedAt` moves, `createdAt` stays). */
  static async create(name: string, value: string, options: SecretOptions = {}): Promise<SecretInfo> {
    const where = scope("Secret.create", options, true);
    checkSecretName("Secret.create", name);
    if (typeof value !== "string" || value === "") {
      // Never show the value, not even a wrong one: it may be a secret passed the wrong way.
      throw new InvalidOptionError(`Secret.create("${name}"): the value must be a non-empty string, got ${typeof value === "string" ? "an empty string" : typeof value}`);
    }
    const { secret } = await serverClient("Secret.create").setSecret(name, value, where);
    return secret;
  }

  /** The secrets of one project and domain: names, groups and times, never values. */
  static async list(options: SecretScopeOptions = {}): Promise<SecretInfo[]> {
    const where = scope("Secret.list", options, false);
    return serverClient("Secret.list").listSecrets(where);
  }

  /** Deletes secret `name`; rejects with SecretNotFoundError when it is not stored there. */
  static async delete(name: string, options: SecretOptions = {}): Promise<void> {
    const where = scope("Secret.delete", options, true);
    checkSecretName("Secret.delete", name);
    await serverClient("Secret.delete").deleteSecret(name, where);
  }
}

function scope(owner: string, options: SecretOptions, withGroup: boolean): { project: string; domain: string; group?: string } {
  checkPlainObject(options, `${owner} options`);
  checkKnownKeys(options, withGroup ? ["project", "domain", "group"] : ["project", "domain"], owner);
  for (const key of ["project", "domain", "group"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) throw invalidOption(optionField(owner, key), value, "a non-empty string");
  }
  const settings = currentSettings();
  return {
    project: options.project ?? settings.project,
    domain: options.domain ?? settings.domain,
    ...(options.group === undefined ? {} : { group: options.group }),
  };
}

function checkSecretName(owner: string, name: unknown): void {
  if (typeof name !== "string" || name === "") throw invalidOption(`${owner}: the secret name`, name, 'a name like "openai-key" (letters, digits, "_", "." and "-")');
}

function serverClient(owner: string): FlyteClient {
  const { endpoint } = currentSettings();
  if (endpoint === undefined) {
    throw new InvalidOptionError(
      `${owner}: secrets live on a Flyte server, and none is set; start one with "flyte start server" and call ` +
        `flyte.init({ endpoint: "http://host:8090", token }) (or flyte.initFromConfig() with an endpoint in .flyte/config.yaml) first`,
    );
  }
  return clientFor(endpoint);
}
