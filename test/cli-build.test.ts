// `flyte build FILE ENV` writes the environment's Dockerfile under <localDir>/images/<identifier>/ and, with no
// Docker engine on this machine, says how to build it elsewhere; unknown environments and ones without an image
// are usage errors.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flyteCli } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";

const FIXTURE = "test/fixtures/build/images.ts";
const localDir = tempDir("flyte-build-");
afterAll(() => rmSync(localDir, { recursive: true, force: true }));

describe("flyte build", () => {
  it("writes the Dockerfile of an environment's image, the same bytes every time", async () => {
    const first = await flyteCli(["build", FIXTURE, "etl"], { localDir });
    expect(first.code, first.stderr).toBe(0);
    const match = /image ([0-9a-f]{16}) of environment "etl": (\S+Dockerfile)/.exec(first.stdout);
    expect(match, first.stdout).not.toBeNull();
    const [, identifier, file] = match!;
    expect(file).toBe(path.join(localDir, "images", identifier!, "Dockerfile"));
    const text = readFileSync(file!, "utf8");
    expect(text).toContain("FROM node:22-bookworm-slim\n");
    expect(text).toContain(" && apt-get install -y --no-install-recommends git curl \\\n");
    expect(text).toContain('ENV A_FIRST="1"\nENV MODE="batch"\n');
    expect(text).toContain(`LABEL org.flyte.image=${identifier}\n`);
    // No Docker engine runs here: the command says so and how to build it elsewhere.
    expect(first.stderr).toContain(`docker build -t flyte-etl:${identifier} -f ${file}`);

    const second = await flyteCli(["build", FIXTURE, "etl"], { localDir });
    expect(second.code).toBe(0);
    expect(readFileSync(file!, "utf8")).toBe(text);
  });

  it("refuses an unknown environment, naming the ones the file defines, and one without an image", async () => {
    const unknown = await flyteCli(["build", FIXTURE, "nope"], { localDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('defines no TaskEnvironment named "nope"; it defines: etl, plain');
    const noImage = await flyteCli(["build", FIXTURE, "plain"], { localDir });
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toContain('TaskEnvironment "plain" has no image');
  });
});
