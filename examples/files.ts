// Data by reference: split a CSV into chunk Files, summarise the chunks in parallel, and return a DataFrame.
// Files and tables travel between tasks as URIs into the run's storage (.flyte/data by default), never as bytes.
//   npx flyte run --local examples/files.ts pipeline --orders examples/data/orders.csv --chunk-rows 250
//   npx flyte get output RUN --download out/      (fetches the resulting Parquet file)
import { createInterface } from "node:readline";
import * as flyte from "flyte";
import { DataFrame, File } from "flyte/io";

const env = new flyte.TaskEnvironment({ name: "files-example" });

/** Splits a CSV into files of `chunkRows` rows each (header repeated), streaming the input line by line. */
export const split = env.task(async function split(orders: File, chunkRows: number): Promise<File[]> {
  const lines = createInterface({ input: await orders.open(), crlfDelay: Infinity });
  const chunks: File[] = [];
  let header = "";
  let rows: string[] = [];
  const flush = async (): Promise<void> => {
    if (rows.length === 0) return;
    chunks.push(await File.fromString(`${header}\n${rows.join("\n")}\n`, `chunk-${chunks.length}.csv`));
    rows = [];
  };
  for await (const line of lines) {
    if (header === "") header = line;
    else if (line !== "") {
      rows.push(line);
      if (rows.length === chunkRows) await flush();
    }
  }
  await flush();
  return chunks;
});

export interface ChunkSummary {
  chunk: string;
  orders: number;
  units: number;
  revenue: number;
}

/** Totals of one chunk. */
export const summarize = env.task(async function summarize(chunk: File): Promise<ChunkSummary> {
  const [header, ...rows] = (await chunk.readText()).trimEnd().split("\n");
  const columns = (header ?? "").split(",");
  const units = columns.indexOf("units");
  const price = columns.indexOf("unit_price");
  let totalUnits = 0;
  let revenue = 0;
  for (const row of rows) {
    const cells = row.split(",");
    const n = Number(cells[units]);
    totalUnits += n;
    revenue += n * Number(cells[price]);
  }
  return { chunk: chunk.name, orders: rows.length, units: totalUnits, revenue: Math.round(revenue * 100) / 100 };
});

export const pipeline = env.task(async function pipeline(orders: File, chunkRows = 250): Promise<DataFrame> {
  const chunks = await split(orders, chunkRows);
  const summaries = await flyte.map(summarize, chunks, { concurrency: 4 });
  return DataFrame.fromRows(summaries.map((s) => ({ ...s })));
});
