// The real CLI in remote mode: an in-process server on port 0 runs tasks started through its API, and
// `flyte get run|action|logs|report` and `flyte abort run` read and stop them over HTTP, chosen by the config's
// endpoint (FLYTE_CONFIG) or --endpoint, with the token from FLYTE_API_TOKEN.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flyteCli, type CliResult } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";
import { TEST_TOKEN, useTestServer, waitForRun } from "./support/server.js";

const ctx = useTestServer();
let dir = "";
let configFile = "";

beforeAll(async () => {
  dir = tempDir("flyte-client-cli-");
  configFile = path.join(dir, "config.yaml");
  writeFileSync(configFile, `endpoint: ${ctx.server.url}\n`);
  for (const [task, inputs, name] of [["srv.add", [4, 5], "cli-add"], ["srv.reporter", ["Remote"], "cli-report"]] as const) {
    const response = await ctx.server.json("/v1/runs", { method: "POST", body: { task, inputs, name } });
    expect(response.status).toBe(201);
    await waitForRun(ctx.server, name);
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI with the config naming the server; its own local dir is empty, so local reads would find nothing. */
function cli(args: readonly string[], env: Record<string, string> = { FLYTE_API_TOKEN: TEST_TOKEN }): Promise<CliResult> {
  return flyteCli(args, { localDir: path.join(dir, "local"), env: { FLYTE_CONFIG: configFile, ...env } });
}

describe("flyte get/abort against a server", () => {
  it("lists runs and shows one with its action tree, as text and JSON", async () => {
    const list = await cli(["get", "run"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/cli-add\s+succeeded\s+srv\.add/);
    const one = await cli(["get", "run", "cli-add"]);
    expect(one.stdout).toContain("run cli-add: succeeded  task srv.add");
    expect(one.stdout).toMatch(/✓ srv\.add \[a0\]/);
    const json = await cli(["get", "run", "cli-add", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { run: Record<string, unknown>; actions: Array<Record<string, unknown>> };
    expect(parsed.run).toMatchObject({ name: "cli-add", phase: "succeeded", inputs: "[4,5]", outputs: "9" });
    expect(parsed.actions.map((a) => a.name)).toEqual(["a0"]);
  });

  it("shows an action, its logs and its report", async () => {
    const action = await cli(["get", "action", "cli-add"]);
    expect(action.stdout).toContain("action a0 (task srv.add) in run cli-add: succeeded, attempt 1");
    expect(action.stdout).toContain("outputs: 9");
    const logs = await cli(["get", "logs", "cli-add"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("[a0] adding 4 and 5");
    const report = await cli(["get", "report", "cli-report", "--json"]);
    expect(JSON.parse(report.stdout)).toMatchObject({ html: expect.stringContaining("<h1>Remote</h1>") });
  });

  it("aborts a long run on the server", async () => {
    const response = await ctx.server.json("/v1/runs", { method: "POST", body: { task: "srv.gated", inputs: ["cli-never", 1], name: "cli-long" } });
    expect(response.status).toBe(201);
    const abort = await cli(["abort", "run", "cli-long", "--reason", "from the CLI"]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toContain("run cli-long: aborted");
    expect((await waitForRun(ctx.server, "cli-long")).phase).toBe("aborted");
    const again = await cli(["abort", "run", "cli-long"]);
    expect(again.stdout).toContain("already ended: aborted");
  });

  it("reads a missing run as a usage error, and --local reads the local store instead", async () => {
    const missing = await cli(["get", "run", "no-such-run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run "no-such-run" does not exist on ${ctx.server.url}`);
    const local = await cli(["get", "run", "--local"]);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain("no runs yet");
  });

  it("takes --endpoint without a config, and explains a missing token or a server that is down", async () => {
    const noConfig = { FLYTE_CONFIG: "", FLYTE_API_TOKEN: TEST_TOKEN };
    const byFlag = await cli(["get", "run", "cli-add", "--endpoint", ctx.server.url], noConfig);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(byFlag.stdout).toContain("run cli-add: succeeded");
    const noToken = await cli(["get", "run"], { FLYTE_API_TOKEN: "" });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^error: .*requires an API token.*FLYTE_API_TOKEN/);
    expect(noToken.stderr).not.toContain("    at ");
    const down = await cli(["get", "logs", "cli-add", "--endpoint", "http://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the Flyte server at http:\/\/127\.0\.0\.1:1.*flyte start server/);
  });
});
