// Renders an Image (a base plus ordered layers) as a Dockerfile. The text depends only on the image and the
// flyte version, so the same builder chain always renders the same bytes, and the image's identifier (a hash of
// the chain) names it. The task code itself is not baked in: workers load bundles at run time, so one image
// serves every version of an environment's code that needs the same packages.
import type { Image, ImageLayer } from "../sdk/image.js";

export interface DockerfileOptions {
  /** The flyte package version installed into the image (the one the worker runs). */
  readonly flyteVersion: string;
  /** The text of the base Dockerfile, for an image made with `Image.fromDockerfile` (read by the caller). */
  readonly baseDockerfile?: string | undefined;
}

const APP_DIR = "/app";

export function renderDockerfile(image: Image, options: DockerfileOptions): string {
  const lines: string[] = [`# flyte image ${image.identifier} (rendered by flyte ${options.flyteVersion}; do not edit)`];
  switch (image.base.kind) {
    case "debian":
      lines.push(`FROM node:${image.base.nodeVersion}-bookworm-slim`);
      break;
    case "ref":
      lines.push(`FROM ${image.base.ref}`);
      break;
    case "dockerfile":
      if (options.baseDockerfile === undefined) {
        throw new Error(`the image is built from ${image.base.path}: pass its text as baseDockerfile to render it`);
      }
      lines.push(`# --- from ${image.base.path} ---`, options.baseDockerfile.trimEnd(), "# --- flyte layers ---");
      break;
  }
  lines.push(`WORKDIR ${APP_DIR}`);
  for (const layer of image.layers) lines.push(...renderLayer(layer));
  // The worker runtime: the same flyte version that rendered the image runs its tasks.
  lines.push(`RUN npm install --omit=dev --no-audit --no-fund ${quote(`flyte@${options.flyteVersion}`)}`);
  lines.push(`LABEL org.flyte.image=${quote(image.identifier)}`);
  return `${lines.join("\n")}\n`;
}

function renderLayer(layer: ImageLayer): string[] {
  switch (layer.kind) {
    case "apt":
      return [
        "RUN apt-get update \\",
        ` && apt-get install -y --no-install-recommends ${layer.packages.map(quote).join(" ")} \\`,
        " && rm -rf /var/lib/apt/lists/*",
      ];
    case "npm":
      return [`RUN npm install --omit=dev --no-audit --no-fund ${layer.packages.map(quote).join(" ")}`];
    case "env":
      // Sorted, so two spellings of the same variables render the same line.
      return Object.keys(layer.vars)
        .sort()
        .map((name) => `ENV ${name}=${JSON.stringify(layer.vars[name])}`);
    case "sourceFiles":
      return [`COPY ${JSON.stringify([...layer.paths, `${APP_DIR}/`])}`];
    case "sourceDir":
      return [`COPY ${JSON.stringify([layer.path, `${APP_DIR}/${layer.path.replace(/^\.\/?/, "").replace(/\/+$/, "") || "."}`])}`];
    case "commands":
      return layer.commands.map((command) => `RUN ${command}`);
  }
}

/** A shell word: plain names as they are, anything else single-quoted. */
function quote(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
