// `flyte run` with File and DataFrame inputs from the command line, and `flyte get output --download`.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flyteCli } from "./support/cli.js";
import { tempDir } from "./support/local-dir.js";

let localDir = "";
beforeAll(() => {
  localDir = tempDir("flyte-cli-data-");
});
afterAll(() => rmSync(localDir, { recursive: true, force: true }));
const flyte = (...args: string[]) => flyteCli(args, { localDir });

describe("examples/files.ts", () => {
  it("splits a CSV given as a local path into chunk Files, summarises them in parallel and returns a DataFrame", async () => {
    const result = await flyte("run", "--local", "examples/files.ts", "pipeline", "--orders", "examples/data/orders.csv", "--chunk-rows", "250");
    expect(result.stderr).toMatch(/✓ run r[a-z0-9]+ succeeded/);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { uri: string; numRows: number };
    expect(output.numRows).toBe(4);
    expect(output.uri).toMatch(/^file:\/\/.*\.parquet$/);

    const run = /run (r[a-z0-9]+) succeeded/.exec(result.stderr)![1]!;
    const out = path.join(localDir, "out");
    const downloaded = await flyte("get", "output", run, "--download", out);
    expect(downloaded.code).toBe(0);
    const file = downloaded.stdout.trim();
    expect(file.startsWith(out)).toBe(true);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe("PAR1");

    const split = JSON.parse((await flyte("get", "run", run, "--json")).stdout) as { actions: Array<{ name: string; taskName: string }> };
    const splitter = split.actions.find((a) => a.taskName === "files-example.split")!;
    const chunks = await flyte("get", "output", run, splitter.name, "--download", path.join(localDir, "chunks"));
    expect(chunks.stdout.trim().split("\n").map((p) => path.basename(p))).toEqual(["chunk-0.csv", "chunk-1.csv", "chunk-2.csv", "chunk-3.csv"]);
    expect(existsSync(path.join(localDir, "chunks", "chunk-3.csv"))).toBe(true);
  });

  it("takes a DataFrame input as a .csv path", async () => {
    const csv = path.join(localDir, "table.csv");
    writeFileSync(csv, "id,score\n1,0.5\n2,1.5\n");
    const result = await flyte("run", "--local", "test/fixtures/cli/df-input.ts", "total", "--table", csv);
    expect(result.stderr).toMatch(/succeeded/);
    expect(JSON.parse(result.stdout)).toBe(2);
  });

  it("a missing input file is a usage error naming the input and the path, before the run starts", async () => {
    const result = await flyte("run", "--local", "examples/files.ts", "pipeline", "--orders", "nope/missing.csv");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--orders: .*nope\/missing\.csv.*does not exist/);
  });
});

describe("an S3-compatible store chosen by configuration", () => {
  it("runs the files example with its data in S3 (FLYTE_STORE, FLYTE_S3_ENDPOINT and the AWS variables)", async () => {
    const { startS3Server } = await import("./support/s3-server.js");
    const server = await startS3Server();
    try {
      const env = {
        FLYTE_STORE: `s3://${server.bucket}/flyte-data`,
        FLYTE_S3_ENDPOINT: server.endpoint,
        AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
        AWS_REGION: "us-east-1",
      };
      const result = await flyteCli(["run", "--local", "examples/files.ts", "pipeline", "--orders", "examples/data/orders.csv"], {
        localDir: path.join(localDir, "s3-state"),
        env,
      });
      expect(result.stderr).toMatch(/succeeded/);
      const output = JSON.parse(result.stdout) as { uri: string; numRows: number };
      expect(output.uri.startsWith(`s3://${server.bucket}/flyte-data/`)).toBe(true);
      expect(output.numRows).toBe(4);
    } finally {
      await server.close();
    }
  });
});
