// `flyte build FILE ENV`: renders the image of a TaskEnvironment as a Dockerfile under
// <localDir>/images/<identifier>/ and builds it with `docker build` where a Docker engine is available. Without
// one it says so and prints the command to run elsewhere; the Dockerfile is the product either way.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Command } from "commander";
import { renderDockerfile } from "../../deploy/dockerfile.js";
import { environmentNamed, environmentNames } from "../../sdk/index.js";
import { commandConfig } from "../engine.js";
import { UsageError } from "../inputs/index.js";
import { EXIT_FAILED, EXIT_OK, type Io } from "../io.js";
import { importUserModule } from "../load-module.js";

const VERSION = (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;

interface BuildFlags {
  tag?: string;
  docker: boolean;
}

export function registerBuildCommand(program: Command, io: Io): void {
  program
    .command("build")
    .description("render an environment's image as a Dockerfile and build it with docker when available")
    .argument("<file>", "TypeScript file that defines the environment")
    .argument("<env>", "the TaskEnvironment's name")
    .option("--tag <tag>", "image tag (default: flyte-<env>:<identifier>)")
    .option("--no-docker", "only write the Dockerfile")
    .action(async (file: string, envName: string, flags: BuildFlags) => {
      io.exitCode = await buildCommand(io, file, envName, flags);
    });
}

async function buildCommand(io: Io, file: string, envName: string, flags: BuildFlags): Promise<number> {
  const config = commandConfig(io);
  const absolute = path.resolve(io.cwd, file);
  await importUserModule(absolute);
  const env = environmentNamed(envName);
  if (!env) {
    const known = environmentNames();
    throw new UsageError(`${file} defines no TaskEnvironment named "${envName}"; ${known.length > 0 ? `it defines: ${known.join(", ")}` : "it defines none"}`);
  }
  const image = env.image;
  if (!image) {
    throw new UsageError(`TaskEnvironment "${envName}" has no image; give it one, e.g. image: flyte.Image.fromDebianBase().withNpmPackages("lodash@4")`);
  }
  const fileDir = path.dirname(absolute);
  let context = fileDir;
  let baseDockerfile: string | undefined;
  if (image.base.kind === "dockerfile") {
    const base = path.resolve(fileDir, image.base.path);
    if (!existsSync(base)) throw new UsageError(`the image of "${envName}" is built from ${image.base.path}, which does not exist (looked for ${base})`);
    baseDockerfile = readFileSync(base, "utf8");
    context = path.resolve(fileDir, image.base.context);
  }
  const dockerfile = renderDockerfile(image, { flyteVersion: VERSION, baseDockerfile });
  const dir = path.join(config.localDir, "images", image.identifier);
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, "Dockerfile");
  writeFileSync(target, dockerfile);
  const tag = flags.tag ?? `flyte-${envName.replace(/_/g, "-")}:${image.identifier}`;
  io.out(`image ${image.identifier} of environment "${envName}": ${target}`);
  const command = ["build", "-t", tag, "-f", target, context];
  if (!flags.docker) return EXIT_OK;
  if (!dockerAvailable()) {
    io.err(`no Docker engine here (docker is not installed or not running); build it where one runs: docker ${command.join(" ")}`);
    return EXIT_OK;
  }
  const child = spawn("docker", command, { stdio: "inherit" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) {
    io.err(`docker build failed (exit ${code ?? "signal"}); the Dockerfile is ${target}`);
    return EXIT_FAILED;
  }
  io.out(`built ${tag}`);
  return EXIT_OK;
}

function dockerAvailable(): boolean {
  const probe = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 10_000 });
  return probe.status === 0;
}
