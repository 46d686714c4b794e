// Checks for option values shared by environments and tasks: instances of our option classes and env vars.
import { InvalidOptionError } from "../errors/index.js";
import { checkPlainObject, describeValue } from "./option-checks.js";

/** `value` itself when it is an instance of `cls`, undefined when absent; otherwise an error naming `example`. */
export function checkInstance<T>(value: unknown, cls: abstract new (...args: any[]) => T, field: string, example: string): T | undefined {
  if (value === undefined) return undefined;
  if (value instanceof cls) return value;
  throw new InvalidOptionError(`${field}: got ${describeValue(value)}; expected ${example}.`);
}

/** Validates an `env` option: a plain object of string values with valid variable names. */
export function checkEnvVars(value: unknown, field: string): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  const vars = checkPlainObject(value, field);
  for (const [key, val] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || typeof val !== "string") {
      throw new InvalidOptionError(
        `${field}: entry ${JSON.stringify(key)} = ${describeValue(val)} is invalid; names are letters, digits and _ and values are strings.`,
      );
    }
  }
  return Object.freeze({ ...(vars as Record<string, string>) });
}
