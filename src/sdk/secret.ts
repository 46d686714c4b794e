// Secret: a reference to a secret stored by the platform, injected into a task as an environment
// variable (always) and optionally as a file. Only the reference lives here; values never do.
import { checkKnownKeys, checkName, checkPlainObject, invalidOption, optionField } from "./option-checks.js";

/** Options for {@link Secret}. */
export interface SecretOptions {
  /** The secret's name in the secret store: letters, digits, "_", ".", "-". */
  key: string;
  /** An optional namespace for the key (same characters as `key`). */
  group?: string | undefined;
  /** The environment variable to expose it as; defaults to the key upper-cased with "_" for other characters. */
  asEnvVar?: string | undefined;
  /** An absolute path where the secret is also written as a file. */
  mountPath?: string | undefined;
}

const KEYS = ["key", "group", "asEnvVar", "mountPath"] as const;
const OWNER = "Secret";
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;
const KEY_DESCRIBE = 'a non-empty name of letters, digits, "_", "." or "-"';
const ENV_VAR_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
const ENV_VAR_DESCRIBE = 'an environment variable name: upper-case letters, digits and "_", not starting with a digit';

/**
 * A secret a task needs at run time.
 * @example new Secret({ key: "db-pass", asEnvVar: "DB_PASS" })
 */
export class Secret {
  readonly key: string;
  readonly group: string | undefined;
  readonly asEnvVar: string;
  readonly mountPath: string | undefined;

  constructor(options: SecretOptions) {
    checkPlainObject(options, `${OWNER} options`);
    checkKnownKeys(options, KEYS, OWNER);
    this.key = checkName(options.key, optionField(OWNER, "key"), KEY_PATTERN, KEY_DESCRIBE);
    this.group =
      options.group === undefined
        ? undefined
        : checkName(options.group, optionField(OWNER, "group"), KEY_PATTERN, KEY_DESCRIBE);
    this.asEnvVar =
      options.asEnvVar === undefined
        ? defaultEnvVar(this.key)
        : checkName(options.asEnvVar, optionField(OWNER, "asEnvVar"), ENV_VAR_PATTERN, ENV_VAR_DESCRIBE);
    this.mountPath = options.mountPath === undefined ? undefined : checkMountPath(options.mountPath);
    Object.freeze(this);
  }

  /**
   * Normalises one entry of a `secrets` option: a string is the key, a Secret is kept as is.
   * @example Secret.from("OPENAI_KEY", 'TaskEnvironment "etl": option "secrets[0]"')
   */
  static from(value: string | Secret, field: string): Secret {
    if (value instanceof Secret) return value;
    if (typeof value !== "string") throw invalidOption(field, value, "a secret key string or a Secret");
    checkName(value, field, KEY_PATTERN, `a secret key: ${KEY_DESCRIBE}`);
    return new Secret({ key: value });
  }

  /** A plain-data form for serialised task specs. */
  toJSON(): { key: string; group?: string; asEnvVar: string; mountPath?: string } {
    return {
      key: this.key,
      ...(this.group === undefined ? {} : { group: this.group }),
      asEnvVar: this.asEnvVar,
      ...(this.mountPath === undefined ? {} : { mountPath: this.mountPath }),
    };
  }
}

/** "db-pass" → "DB_PASS"; a leading digit gets a "_" prefix so the result is always a valid name. */
function defaultEnvVar(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function checkMountPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.includes("\0")) {
    throw invalidOption(optionField(OWNER, "mountPath"), value, 'an absolute path like "/etc/secrets/db"');
  }
  return value;
}
