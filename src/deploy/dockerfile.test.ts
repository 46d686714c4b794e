import { describe, expect, it } from "vitest";
import { Image } from "../sdk/image.js";
import { renderDockerfile } from "./dockerfile.js";

const OPTIONS = { flyteVersion: "0.1.0" };

describe("renderDockerfile", () => {
  it("renders a Debian base and each layer in order, installing the flyte runtime and labelling the identifier", () => {
    const image = Image.fromDebianBase({ nodeVersion: "22" })
      .withAptPackages("git", "curl")
      .withNpmPackages("lodash@4.17.21", "@scope/pkg")
      .withEnv({ MODE: "batch", A_FIRST: "1 2" })
      .withSourceFiles("src/a.ts", "package.json")
      .withSourceDir("./lib/")
      .withCommands("npm run build");
    expect(renderDockerfile(image, OPTIONS)).toBe(
      [
        `# flyte image ${image.identifier} (rendered by flyte 0.1.0; do not edit)`,
        "FROM node:22-bookworm-slim",
        "WORKDIR /app",
        "RUN apt-get update \\",
        " && apt-get install -y --no-install-recommends git curl \\",
        " && rm -rf /var/lib/apt/lists/*",
        "RUN npm install --omit=dev --no-audit --no-fund lodash@4.17.21 @scope/pkg",
        'ENV A_FIRST="1 2"',
        'ENV MODE="batch"',
        'COPY ["src/a.ts","package.json","/app/"]',
        'COPY ["./lib/","/app/lib"]',
        "RUN npm run build",
        "RUN npm install --omit=dev --no-audit --no-fund flyte@0.1.0",
        `LABEL org.flyte.image=${image.identifier}`,
        "",
      ].join("\n"),
    );
  });

  it("is deterministic, and a changed layer changes both the text and the identifier", () => {
    const make = (pkg: string) => Image.fromRef("ghcr.io/acme/base:1").withNpmPackages(pkg);
    expect(renderDockerfile(make("a@1"), OPTIONS)).toBe(renderDockerfile(make("a@1"), OPTIONS));
    expect(make("a@1").identifier).toBe(make("a@1").identifier);
    expect(make("a@2").identifier).not.toBe(make("a@1").identifier);
    expect(renderDockerfile(make("a@2"), OPTIONS)).not.toBe(renderDockerfile(make("a@1"), OPTIONS));
    expect(renderDockerfile(make("a@1"), OPTIONS)).toContain("FROM ghcr.io/acme/base:1\n");
  });

  it("puts the layers after the text of a base Dockerfile, and needs that text", () => {
    const image = Image.fromDockerfile("docker/Dockerfile").withEnv({ X: "y" });
    const text = renderDockerfile(image, { ...OPTIONS, baseDockerfile: "FROM debian:12\nRUN echo base\n" });
    expect(text).toContain("# --- from docker/Dockerfile ---\nFROM debian:12\nRUN echo base\n# --- flyte layers ---\nWORKDIR /app\nENV X=\"y\"\n");
    expect(() => renderDockerfile(image, OPTIONS)).toThrow(/pass its text as baseDockerfile/);
  });
});
