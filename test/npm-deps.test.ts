// Per-version npm installs: bundles built against different versions of one npm package (lodash) run side by side
// in the server's worker processes, each with its own version — installed once per set of versions into
// <localDir>/deps and reused — while a bundle whose versions the server's project already has installs nothing,
// and one naming a version that does not exist is refused with DEPENDENCY_INSTALL naming it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/cli.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
/** The lodash of this repository's node_modules, where the server resolves imports from. */
const PROJECT_LODASH = (JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules/lodash/package.json"), "utf8")) as { version: string }).version;

beforeAll(async () => {
  server = await startTestServer({ executor: "workers", load: [], workers: { resolveFrom: REPO_ROOT } });
});

afterAll(async () => {
  await server?.close();
});

/** Uploads a bundle (as flyte run would make it) whose task returns the lodash version it imported. */
async function uploadLodashBundle(env: string, lodash: string): Promise<string> {
  const code = [
    `import * as flyte from "flyte";`,
    `import _ from "lodash";`,
    `const env = new flyte.TaskEnvironment({ name: ${JSON.stringify(env)} });`,
    `export const version = env.task(async function version() { return _.VERSION; });`,
    "",
  ].join("\n");
  const hash = createHash("sha256").update(code).digest("hex");
  const { status, body } = await server.json(`/v1/code/${hash}`, {
    method: "PUT",
    body: { code, externals: { flyte: "0.1.0", lodash }, entry: `${env}.ts` },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return hash;
}

async function runVersion(env: string, code: string): Promise<{ status: number; body: any }> {
  return server.json("/v1/runs?wait=60000", { method: "POST", body: { task: `${env}.version`, code, inputs: [] } });
}

function installLines(spec: string): string[] {
  return server.logs.filter((line) => line.startsWith("installing ") && line.includes(spec));
}

describe("per-version npm installs", () => {
  it("runs two bundles built against different versions of a package, each with its own", async () => {
    const [a, b] = await Promise.all([uploadLodashBundle("deps_a", "4.17.20"), uploadLodashBundle("deps_b", "4.17.21")]);
    const [ra, rb] = await Promise.all([runVersion("deps_a", a), runVersion("deps_b", b)]);
    expect(ra.status, JSON.stringify(ra.body)).toBe(201);
    expect(rb.status, JSON.stringify(rb.body)).toBe(201);
    expect(ra.body.run.phase).toBe("succeeded");
    expect(ra.body.run.outputs).toBe("4.17.20");
    expect(rb.body.run.phase).toBe("succeeded");
    expect(rb.body.run.outputs).toBe("4.17.21");
    expect(installLines("lodash@4.17.20")).toEqual([`installing 1 npm package for code ${a.slice(0, 12)}: lodash@4.17.20 (not installed at these versions here: lodash@4.17.20 (found ${PROJECT_LODASH}))`]);
    expect(installLines("lodash@4.17.21")).toHaveLength(1);
    const installed = server.logs.filter((line) => line.startsWith("installed the npm packages of code "));
    expect(installed).toHaveLength(2);
    // The measured install times, for the record.
    process.stdout.write(`${installed.join("\n")}\n`);
    expect(readdirSync(path.join(server.localDir, "deps")).sort()).toHaveLength(2);
  });

  it("reuses the install of the same versions for another bundle", async () => {
    const c = await uploadLodashBundle("deps_c", "4.17.20");
    const rc = await runVersion("deps_c", c);
    expect(rc.body.run.outputs).toBe("4.17.20");
    expect(installLines("lodash@4.17.20")).toHaveLength(1);
    expect(readdirSync(path.join(server.localDir, "deps"))).toHaveLength(2);
  });

  it("installs nothing when the server's project has the bundle's versions", async () => {
    const d = await uploadLodashBundle("deps_d", PROJECT_LODASH);
    const rd = await runVersion("deps_d", d);
    expect(rd.body.run.phase).toBe("succeeded");
    expect(rd.body.run.outputs).toBe(PROJECT_LODASH);
    expect(installLines(`lodash@${PROJECT_LODASH}`)).toEqual([]);
  });

  it("refuses a run whose bundle names a version npm cannot install, with DEPENDENCY_INSTALL naming it", async () => {
    const e = await uploadLodashBundle("deps_e", "99.99.99");
    const before = (await server.json("/v1/runs?limit=1000")).body.runs.length as number;
    const re = await runVersion("deps_e", e);
    expect(re.status).toBe(422);
    expect(re.body.error.code).toBe("DEPENDENCY_INSTALL");
    expect(re.body.error.message).toContain("lodash@99.99.99");
    expect(re.body.error.message).toMatch(/No matching version|ETARGET/);
    expect((await server.json("/v1/runs?limit=1000")).body.runs).toHaveLength(before);
    // Nothing half-installed is left to be mistaken for a finished install.
    expect(readdirSync(path.join(server.localDir, "deps"))).toHaveLength(2);
  });
});
