// `flyte create secret NAME [VALUE]`, `flyte get secret`, `flyte delete secret NAME`: secrets live on the Flyte
// server (encrypted, by project and domain), so these commands need an endpoint (--endpoint or the config; token
// from FLYTE_API_TOKEN). A value is read from the command line, a file, the hidden terminal or a pipe, sent once
// and never printed.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { SECRET_NAME } from "../../server/index.js";
import { formatTable, toDisplayJson } from "../format.js";
import { UsageError } from "../inputs/index.js";
import type { Io } from "../io.js";
import { readSecretValue } from "../secret-input.js";
import { reported, scopeOptions as scopeTargetOptions, serverTarget, verb, type ScopeFlags, type Target } from "./server-target.js";

function checkName(value: string, what: string): string {
  if (!SECRET_NAME.test(value)) throw new UsageError(`${what} must be letters, digits, "_", "." or "-", got ${JSON.stringify(value)}`);
  return value;
}

/** Failures whose message says what to fix: printed as one line. */
const SECRET_FAILURES = ["SECRET_NOT_FOUND"];

function target(io: Io, flags: ScopeFlags, command: string): Target {
  return serverTarget(io, flags, command, "secrets are stored there");
}

function scopeOptions(command: Command): Command {
  return scopeTargetOptions(command, "the secret");
}


export function registerSecretCommands(program: Command, io: Io): void {
  scopeOptions(verb(program, "create", "create configuration and secrets")
    .command("secret")
    .description("store a secret on the server for tasks that declare it (prompts without echo when VALUE and --from-file are absent; reads a pipe whole)")
    .argument("<name>", 'the secret\'s key: letters, digits, "_", "." and "-"')
    .argument("[value]", "the value (visible in shell history and ps: prefer the prompt, a pipe or --from-file)")
    .option("--from-file <file>", "read the value from this file, exactly as it is")
    .option("--group <group>", "optional namespace of the secret"))
    .action(async (name: string, value: string | undefined, flags: ScopeFlags & { fromFile?: string; group?: string }) => {
      checkName(name, "the secret name");
      if (flags.group !== undefined) checkName(flags.group, "--group");
      if (value !== undefined && flags.fromFile !== undefined) throw new UsageError("pass the value either as VALUE or with --from-file, not both");
      const where = target(io, flags, "create secret");
      const label = flags.group === undefined ? name : `${flags.group}/${name}`;
      let secret: string;
      if (value !== undefined) secret = value;
      else if (flags.fromFile !== undefined) {
        const file = path.resolve(io.cwd, flags.fromFile);
        try {
          secret = readFileSync(file, "utf8");
        } catch (error) {
          throw new UsageError(`cannot read --from-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
        }
      } else secret = await readSecretValue(process.stdin, io.stderr, label);
      if (secret === "") throw new UsageError(`the value of secret ${label} is empty; nothing was stored`);
      await reported(io, SECRET_FAILURES, async () => {
        const { created } = await where.client.setSecret(name, secret, { project: where.project, domain: where.domain, group: flags.group });
        io.out(`${created ? "created" : "replaced"} secret ${label} in project ${where.project}, domain ${where.domain}`);
      });
    });

  scopeOptions(verb(program, "get", "show runs, actions, outputs, logs, reports, config and secrets")
    .command("secret"))
    .description("list the secrets of a project and domain (names and times, never values)")
    .option("--json", "machine-readable output")
    .action((flags: ScopeFlags & { json?: boolean }) => {
      const where = target(io, flags, "get secret");
      return reported(io, SECRET_FAILURES, async () => {
        const secrets = await where.client.listSecrets({ project: where.project, domain: where.domain });
        if (flags.json) return io.out(toDisplayJson(secrets));
        if (secrets.length === 0) return io.out(`no secrets in project ${where.project}, domain ${where.domain}; add one with: flyte create secret NAME`);
        for (const line of formatTable([["NAME", "GROUP", "UPDATED"], ...secrets.map((s) => [s.name, s.group ?? "-", new Date(s.updatedAt).toISOString()])])) io.out(line);
      });
    });

  scopeOptions(verb(program, "delete", "delete secrets")
    .command("secret")
    .description("delete a secret from the server")
    .argument("<name>", "the secret's key")
    .option("--group <group>", "the secret's group, if it has one"))
    .action((name: string, flags: ScopeFlags & { group?: string }) => {
      checkName(name, "the secret name");
      if (flags.group !== undefined) checkName(flags.group, "--group");
      const where = target(io, flags, "delete secret");
      return reported(io, SECRET_FAILURES, async () => {
        await where.client.deleteSecret(name, { project: where.project, domain: where.domain, group: flags.group });
        io.out(`deleted secret ${flags.group === undefined ? name : `${flags.group}/${name}`} from project ${where.project}, domain ${where.domain}`);
      });
    });
}
