// DataFrame ↔ Apache Arrow: which Arrow types are accepted and what they become, toArrow's types, and a lossless
// toArrow → fromArrow round trip (bigint and json columns are marked in the field metadata).
import {
  Binary, Bool, DateDay, Dictionary, Field, Float32, Float64, Int8, Int32, Int64, IntervalDayTime, List, Struct, Table,
  TimestampMillisecond, TimestampMicrosecond, Uint32, Utf8, vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { InvalidOptionError, SerializationError } from "../errors/index.js";
import { DataFrame } from "./dataframe.js";

const day = new Date("2024-02-29T00:00:00Z");
const at = new Date("2024-05-06T07:08:09.123Z");

function arrowTable(): Table {
  return new Table({
    i8: vectorFromArray([1, -2, null], new Int8()),
    i32: vectorFromArray([100000, null, -1], new Int32()),
    u32: vectorFromArray([4000000000, 0, null], new Uint32()),
    i64: vectorFromArray([2n ** 60n, 5n, null], new Int64()),
    f32: vectorFromArray([0.5, null, 2], new Float32()),
    f64: vectorFromArray([Math.PI, Number.NaN, null], new Float64()),
    s: vectorFromArray(["a", null, "ç"], new Utf8()),
    dict: vectorFromArray(["x", "y", "x"], new Dictionary(new Utf8(), new Int32())),
    b: vectorFromArray([true, false, null], new Bool()),
    ts: vectorFromArray([at, null, new Date(0)], new TimestampMillisecond()),
    us: vectorFromArray([at, null, null], new TimestampMicrosecond()),
    d: vectorFromArray([day, null, day], new DateDay()),
    bin: vectorFromArray([new Uint8Array([1, 2]), null, new Uint8Array()], new Binary()),
    list: vectorFromArray([[1, 2], null, []], new List(new Field("item", new Int32(), true))),
    obj: vectorFromArray([{ x: 1, y: "a" }, null, { x: 2, y: "b" }], new Struct([new Field("x", new Int32()), new Field("y", new Utf8())])),
  });
}

describe("DataFrame.fromArrow", () => {
  it("maps Arrow types to column types and values", async () => {
    const df = await DataFrame.fromArrow(arrowTable());
    expect(Object.fromEntries(df.columns.map((c) => [c.name, c.type]))).toEqual({
      i8: "int32", i32: "int32", u32: "int64", i64: "int64", f32: "float", f64: "double", s: "string", dict: "string",
      b: "boolean", ts: "timestamp", us: "timestamp", d: "date", bin: "bytes", list: "json", obj: "json",
    });
    const rows = await df.toRows();
    expect(rows[0]).toEqual({
      i8: 1, i32: 100000, u32: 4000000000, i64: 2n ** 60n, f32: 0.5, f64: Math.PI, s: "a", dict: "x", b: true, ts: at,
      us: at, d: day, bin: new Uint8Array([1, 2]), list: [1, 2], obj: { x: 1, y: "a" },
    });
    expect(rows[1]).toMatchObject({ i8: -2, i32: null, u32: 0, i64: 5, f64: Number.NaN, s: null, list: null, obj: null });
    expect(rows[2]).toMatchObject({ i32: -1, list: [], obj: { x: 2, y: "b" }, bin: new Uint8Array() });
  });

  it("rejects unsupported Arrow types naming the column, and non-tables", async () => {
    const table = new Table({ span: vectorFromArray([null], new IntervalDayTime()) });
    await expect(DataFrame.fromArrow(table)).rejects.toThrow(SerializationError);
    await expect(DataFrame.fromArrow(table)).rejects.toThrow(/column "span" has Arrow type Interval/);
    await expect(DataFrame.fromArrow({} as Table)).rejects.toThrow(InvalidOptionError);
  });
});

describe("DataFrame.toArrow", () => {
  it("gives Arrow types per column type and round-trips through fromArrow without loss", async () => {
    const rows = [
      { b: true, i: 1, l: 2 ** 40, big: 7n, f: 1.25, s: "x", y: new Uint8Array([9]), t: at, j: { k: [1] } },
      { b: null, i: null, l: 2n ** 60n, big: null, f: null, s: null, y: null, t: null, j: null },
    ];
    const df = await DataFrame.fromRows(rows, { schema: { l: "int64" } });
    const table = await df.toArrow();
    expect(table.numRows).toBe(2);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual([
      "Bool", "Int32", "Int64", "Int64", "Float64", "Utf8", "Binary", "Timestamp<MILLISECOND>", "Utf8",
    ]);
    expect(table.getChild("l")!.get(0)).toBe(2n ** 40n);
    expect(table.getChild("j")!.get(0)).toBe('{"k":[1]}');
    const again = await DataFrame.fromArrow(table);
    expect(again.columns).toEqual(df.columns);
    expect(await again.toRows()).toEqual([{ ...rows[0], l: 2 ** 40 }, rows[1]]);
  });

  it("gives an empty table for an empty DataFrame", async () => {
    const table = await (await DataFrame.fromRows([], { schema: { a: "date" } })).toArrow();
    expect([table.numRows, String(table.schema.fields[0]!.type)]).toEqual([0, "Date32<DAY>"]);
    expect((await (await DataFrame.fromRows([])).toArrow()).numCols).toBe(0);
  });
});
