// How the SDK chooses where runs go: an endpoint from flyte.init or the config file makes flyte.run remote (here
// proven by the server it tries to reach), bad endpoint and token values fail naming the option, and "remote"
// without an endpoint says how to set one. Each test file runs in its own process, so settings start fresh.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { square } from "../../test/fixtures/remote/tasks.js";
import { errorCode } from "../errors/index.js";
import { init, initFromConfig, shutdown } from "./config.js";
import { run, withRunContext } from "./run.js";

const dir = mkdtempSync(path.join(tmpdir(), "flyte-remote-config-"));
afterAll(async () => {
  await shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe("remote mode settings", () => {
  it('refuses mode "remote" while no endpoint is set', () => {
    expect(() => withRunContext({ mode: "remote" })).toThrow(
      'option "mode" is "remote", but no server is set; call flyte.init({ endpoint: "http://host:8090" })',
    );
  });

  it("validates endpoint and token in flyte.init", async () => {
    await expect(init({ endpoint: "localhost:8090" })).rejects.toThrow(
      'flyte.init: option "endpoint": expected the URL of a Flyte server like http://localhost:8090, got "localhost:8090"',
    );
    await expect(init({ token: "" })).rejects.toThrow('option "token": expected the server\'s API token as a non-empty string');
  });

  it("goes remote with the config file's endpoint: flyte.run bundles the task's file and calls that server", async () => {
    mkdirSync(path.join(dir, ".flyte"));
    writeFileSync(path.join(dir, ".flyte/config.yaml"), "endpoint: http://127.0.0.1:1/\nproject: p1\n");
    const config = initFromConfig(dir);
    expect(config.endpoint).toBe("http://127.0.0.1:1/");
    const error = await run(square, 3).then(() => new Error("expected a rejection"), (e: unknown) => e as Error);
    expect(errorCode(error)).toBe("SERVER_UNREACHABLE");
    expect(error.message).toContain("cannot reach the Flyte server at http://127.0.0.1:1");
  });
});
