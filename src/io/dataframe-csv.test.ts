// The CSV parser (quoting, line endings, chunk boundaries, errors) and DataFrame.fromCsv's type inference,
// outside a run (the DataFrame stays in memory, so no store is needed).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataFormatError } from "../errors/index.js";
import { parseCsv } from "./dataframe-csv.js";
import { DataFrame } from "./dataframe.js";

const dir = mkdtempSync(path.join(tmpdir(), "flyte-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRICKY = path.resolve(import.meta.dirname, "../../test/fixtures/data/tricky.csv");

async function parse(chunks: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const batch of parseCsv(chunks, "test.csv")) for (const record of batch) out.push(record.fields);
  return out;
}

function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("parseCsv", () => {
  const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\nline",\n\n3,,""\n';
  const expected = [
    ["a", "b", "c"],
    ["1", "x, y", 'say "hi"'],
    ["2", "multi\nline", ""],
    ["3", "", ""],
  ];

  it("handles quoted commas, doubled quotes, newlines in quotes, CRLF, a BOM and blank lines", async () => {
    expect(await parse([text])).toEqual(expected);
  });

  it("gives the same records however the text is split into chunks", async () => {
    expect(await parse(Array.from(text))).toEqual(expected);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await parse([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
  });

  it("accepts \\r line endings, a last line without newline, and quotes inside unquoted fields", async () => {
    expect(await parse(['a,b\rx,5" tall\r\ny,"z"'])).toEqual([["a", "b"], ["x", '5" tall'], ["y", "z"]]);
    expect(await parse(['a\n""\n'])).toEqual([["a"], [""]]); // a quoted empty line is a record, not a blank line
  });

  it("numbers lines in its errors: an unclosed quote and text after a closing quote", async () => {
    await expect(parse(['a,b\n1,"open\n\n'])).rejects.toThrow(/test\.csv: line 2: a quoted field is never closed/);
    await expect(parse(['a,b\n1,2\n3,"x"y\n'])).rejects.toThrow(/test\.csv: line 3: unexpected text after a closing quote/);
    await expect(parse(['a\n"x"y'])).rejects.toThrow(DataFormatError);
  });
});

describe("DataFrame.fromCsv", () => {
  it("infers typed columns from a file with tricky quoting (fixture tricky.csv)", async () => {
    const df = await DataFrame.fromCsv(TRICKY);
    expect(df.uri).toBeUndefined();
    expect(df.columns.map((c) => `${c.name}:${c.type}${c.nullable ? "?" : ""}`)).toEqual([
      "id:int64", "name:string?", "score:double?", "active:boolean", "zip:string?", "note:string", "big:bigint?",
      "when:string?",
    ]);
    expect(await df.toRows()).toEqual([
      { id: 1, name: "Smith, John", score: 3.5, active: true, zip: "01234", note: 'He said "hi"', big: 9007199254740993n, when: "2024-01-02" },
      { id: 2, name: "Ann", score: 4, active: false, zip: "10001", note: "line one\nline two", big: -(2n ** 63n), when: null },
      { id: 3, name: null, score: null, active: true, zip: "00501", note: "plain", big: 12n, when: "2024-03-04" },
      { id: 2147483648, name: 'quote " and , comma', score: 1000, active: false, zip: null, note: "ends with newline\n", big: null, when: "x" },
    ]);
  });

  it("keeps leading zeros, NaN and padded numbers as strings, and integers beyond int64 as strings", async () => {
    const file = csvFile("kinds.csv", "a,b,c,d,e\n007,NaN, 1,99999999999999999999,0.5\n1,2,3,4,-2\n");
    const df = await DataFrame.fromCsv(file);
    expect(df.columns.map((c) => c.type)).toEqual(["string", "string", "string", "string", "double"]);
    expect((await df.toRows())[0]).toEqual({ a: "007", b: "NaN", c: " 1", d: "99999999999999999999", e: 0.5 });
  });

  it("fills missing trailing fields with null; a header-only file has no rows", async () => {
    const df = await DataFrame.fromCsv(csvFile("short.csv", "a,b,c\n1\n2,3,4\n"));
    expect(await df.toRows()).toEqual([{ a: 1, b: null, c: null }, { a: 2, b: 3, c: 4 }]);
    const header = await DataFrame.fromCsv(csvFile("header.csv", "x,y\n"));
    expect([header.numRows, header.columns]).toEqual([0, [{ name: "x", type: "string", nullable: true }, { name: "y", type: "string", nullable: true }]]);
  });

  it("rejects extra fields, duplicate headers and empty files with DataFormatError naming the file", async () => {
    const wide = csvFile("wide.csv", "a,b\n1,2\n3,4,5\n");
    await expect(DataFrame.fromCsv(wide)).rejects.toThrow(new RegExp(`${wide}: line 3 has 3 fields but the header has 2`));
    await expect(DataFrame.fromCsv(csvFile("dup.csv", "a,a\n1,2\n"))).rejects.toThrow(/names column "a" twice/);
    await expect(DataFrame.fromCsv(csvFile("empty.csv", ""))).rejects.toThrow(/empty\.csv is empty; expected a header row/);
  });

  it("streams a large file into row groups", async () => {
    const lines = ["id,name"];
    for (let i = 0; i < 150_000; i++) lines.push(`${i},"name, ${i}"`);
    const df = await DataFrame.fromCsv(csvFile("big.csv", `${lines.join("\n")}\n`));
    let count = 0;
    let last: Record<string, unknown> | undefined;
    for await (const row of df.rows()) {
      count++;
      last = row;
    }
    expect([df.numRows, count, last]).toEqual([150_000, 150_000, { id: 149_999, name: "name, 149999" }]);
  });
});
