import { describe, expect, it } from "vitest";
import { InvalidOptionError, SerializationError } from "../errors/index.js";
import { decodeValue, encodeValue, hashText, registerCodec } from "./index.js";

const roundTrip = (v: unknown): unknown => decodeValue(encodeValue(v));

function encodeError(value: unknown, what?: string): SerializationError {
  try {
    encodeValue(value, what === undefined ? undefined : { what });
  } catch (e) {
    expect(e).toBeInstanceOf(SerializationError);
    return e as SerializationError;
  }
  throw new Error("expected encodeValue to throw");
}

function decodeError(text: string): SerializationError {
  try {
    decodeValue(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SerializationError);
    return e as SerializationError;
  }
  throw new Error("expected decodeValue to throw");
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
registerCodec<Point>({
  tag: "test.point",
  test: (v): v is Point => v instanceof Point,
  encode: (p) => ({ x: p.x, y: p.y, at: new Date(0) }),
  decode: (d) => {
    const { x, y } = d as { x: number; y: number };
    return new Point(x, y);
  },
});

describe("encodeValue / decodeValue", () => {
  const samples: [string, unknown][] = [
    ["null", null],
    ["true", true],
    ["a number", 1.5],
    ["a negative integer", -42],
    ["-0", -0],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["a string", 'he said "hi"\n\u2028'],
    ["a lone surrogate", "\ud800x"],
    ["an empty string", ""],
    ["undefined", undefined],
    ["a bigint", 12345678901234567890123n],
    ["a negative bigint", -7n],
    ["a Date", new Date("2024-02-29T12:34:56.789Z")],
    ["a Uint8Array", new Uint8Array([0, 1, 2, 250, 255])],
    ["an empty Uint8Array", new Uint8Array()],
    ["a Map with any keys", new Map<unknown, unknown>([["a", 1], [2, "b"], [{ k: [1] }, new Set([1])]])],
    ["a Set", new Set(["z", "a", 3])],
    ["an array with undefined and holes", [1, undefined, null]],
    ["an object with an undefined property", { a: undefined, b: 1 }],
    ["an object with a $t key", { $t: "date", v: "x" }],
    ["a nested $t escape", { a: [{ $t: { $t: 1 } }] }],
    ["a __proto__ key", JSON.parse('{"__proto__": {"$t": "undef"}, "x": 1}')],
    ["a registered class", { p: new Point(1, 2) }],
  ];

  it.each(samples)("round-trips %s", (_label, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it("round-trips every supported type nested inside objects, arrays and maps", () => {
    const leaf = {
      d: new Date(1_700_000_000_000),
      b: new Uint8Array([1, 2, 3]),
      n: [NaN, -Infinity, 10n],
      u: undefined,
      s: new Set([new Date(5)]),
      $t: "user data",
    };
    const value = { list: [leaf, [leaf]], map: new Map<unknown, unknown>([[leaf.d, leaf], [[1, 2], new Point(3, 4)]]) };
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it("decodes a Buffer as a Uint8Array with the same bytes", () => {
    const decoded = roundTrip(Buffer.from("hello"));
    expect(decoded).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded)).toBe(false);
    expect(Buffer.from(decoded as Uint8Array).toString()).toBe("hello");
    const slice = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    expect(roundTrip(slice)).toStrictEqual(new Uint8Array([8, 7]));
  });

  it("keeps -0 distinct from 0", () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(encodeValue(0)).toBe("0");
  });

  it("writes canonical text: sorted keys, no whitespace", () => {
    expect(encodeValue({ b: 1, a: [1, "x"], c: { z: null, y: true } })).toBe(
      '{"a":[1,"x"],"b":1,"c":{"y":true,"z":null}}',
    );
    expect(encodeValue({ b: 2, a: 1, 10: 0, 9: 0, B: 0 })).toBe(encodeValue({ B: 0, 9: 0, a: 1, 10: 0, b: 2 }));
    expect(encodeValue({ "\u00e9": 1, z: 2, Z: 3 })).toBe('{"Z":3,"z":2,"\u00e9":1}');
    expect(encodeValue(Object.assign(Object.create(null) as object, { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it("writes the documented tags", () => {
    expect(encodeValue(undefined)).toBe('{"$t":"undef"}');
    expect(encodeValue([undefined])).toBe('[{"$t":"undef"}]');
    expect(encodeValue(new Date(0))).toBe('{"$t":"date","v":"1970-01-01T00:00:00.000Z"}');
    expect(encodeValue(new Uint8Array([104, 105]))).toBe('{"$t":"bytes","v":"aGk="}');
    expect(encodeValue(new Map([[{ b: 1, a: 2 }, 1]]))).toBe('{"$t":"map","v":[[{"a":2,"b":1},1]]}');
    expect(encodeValue(new Set([2, 1]))).toBe('{"$t":"set","v":[2,1]}');
    expect(encodeValue(5n)).toBe('{"$t":"bigint","v":"5"}');
    expect(encodeValue(NaN)).toBe('{"$t":"num","v":"NaN"}');
    expect(encodeValue({ $t: 1 })).toBe('{"$t":"obj","v":{"$t":1}}');
    expect(encodeValue(new Point(1, 2))).toBe(
      '{"$t":"x:test.point","v":{"at":{"$t":"date","v":"1970-01-01T00:00:00.000Z"},"x":1,"y":2}}',
    );
  });

  it("keeps Map and Set insertion order", () => {
    const map = roundTrip(new Map([["b", 1], ["a", 2]])) as Map<string, number>;
    expect([...map.keys()]).toEqual(["b", "a"]);
    expect([...(roundTrip(new Set([3, 1, 2])) as Set<number>)]).toEqual([3, 1, 2]);
  });

  it("encodes shared (non-cyclic) references", () => {
    const shared = { a: 1 };
    expect(roundTrip([shared, shared, { shared }])).toStrictEqual([{ a: 1 }, { a: 1 }, { shared: { a: 1 } }]);
  });

  it("parses text without tags as plain JSON", () => {
    expect(decodeValue('{"a":[1,2,{"b":"$t"}]}')).toStrictEqual({ a: [1, 2, { b: "$t" }] });
    expect(decodeValue('"$t"')).toBe("$t");
  });
});

describe("rejections", () => {
  class Foo {}
  const cyclic: Record<string, unknown> = { a: [] };
  (cyclic.a as unknown[]).push({ back: cyclic });
  const fix = /return plain data \(objects, arrays, .*\) or register a codec with flyte\.registerCodec/;

  it.each<[string, unknown, string, string, RegExp]>([
    ["a function", { user: { fn: () => 1 } }, "$.user.fn", "a function (fn)", fix],
    ["an anonymous function in an array", [1, 2, 3, { f: [(() => () => 0)()] }], "$[3].f[0]", "a function", fix],
    ["a symbol", { s: Symbol("k") }, "$.s", "a symbol (Symbol(k))", fix],
    ["a class instance", { user: { createdAt: new Foo() } }, "$.user.createdAt", "an instance of Foo", fix],
    ["a WeakMap", [new WeakMap()], "$[0]", "an instance of WeakMap", fix],
    ["a Promise", { p: Promise.resolve(1) }, "$.p", "a Promise", /await it/],
    ["a Float64Array", { "odd key": new Float64Array(2) }, '$["odd key"]', "an instance of Float64Array", /Uint8Array/],
    ["an invalid Date", { when: new Date("nope") }, "$.when", "an invalid Date", /valid Date/],
    ["a cycle", cyclic, "$.a[0].back", "a circular reference", /remove the cycle/],
    ["a value inside a Map", new Map([["k", () => 1]]), '$.get("k")', "a function", fix],
    ["a Map key", new Map([[new Foo(), 1]]), "$.keys()[0]", "an instance of Foo", fix],
    ["a Set element", new Set([1, new Foo()]), "$.values()[1]", "an instance of Foo", fix],
    ["a value at the top", new Foo(), "$", "an instance of Foo", fix],
    ["a value inside a $t-escaped object", { $t: 1, x: new Foo() }, "$.x", "an instance of Foo", fix],
  ])("rejects %s, naming its path and the fix", (_label, value, path, what, fixPattern) => {
    const error = encodeError(value, "output of task etl.main");
    expect(error.message.startsWith(`output of task etl.main cannot be encoded: ${path} is ${what}`)).toBe(true);
    expect(error.message).toMatch(fixPattern);
    expect(error.code).toBe("SERIALIZATION");
  });

  it("says 'value' when no label is given", () => {
    expect(encodeError(Symbol("x")).message).toMatch(/^value cannot be encoded: \$ is a symbol/);
  });

  it("rejects a value nested too deeply", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    expect(encodeError(deep).message).toMatch(/nested more than 1000 levels/);
  });

  it("reports a codec that fails, with the cause", () => {
    class Bad {}
    registerCodec<Bad>({
      tag: "test.bad",
      test: (v): v is Bad => v instanceof Bad,
      encode: () => {
        throw new Error("no way");
      },
      decode: () => new Bad(),
    });
    const error = encodeError({ b: new Bad() });
    expect(error.message).toMatch(/\$\.b is a value whose codec "test.bad" failed \(no way\)/);
    expect((error.cause as Error).message).toBe("no way");
  });

  it("reports a bad value returned by a codec under the codec's path", () => {
    class Wrapper {}
    registerCodec<Wrapper>({
      tag: "test.wrapper",
      test: (v): v is Wrapper => v instanceof Wrapper,
      encode: () => ({ inner: new Foo() }),
      decode: () => new Wrapper(),
    });
    expect(encodeError([new Wrapper()]).message).toMatch(/\$\[0\]<codec "test.wrapper">\.inner is an instance of Foo/);
  });

  it("leaves the encoder usable after a failure", () => {
    encodeError({ a: [cyclic] });
    expect(encodeValue({ a: [{ b: 1 }] })).toBe('{"a":[{"b":1}]}');
  });
});

describe("registerCodec", () => {
  it("accepts the same codec twice and rejects a different one under the same tag", () => {
    const codec = {
      tag: "test.dup",
      test: (v: unknown): v is Foo => v instanceof Foo,
      encode: () => 1,
      decode: () => new Foo(),
    };
    class Foo {}
    registerCodec(codec);
    registerCodec({ ...codec });
    expect(() => registerCodec({ ...codec, decode: () => new Foo() })).toThrow(InvalidOptionError);
    expect(() => registerCodec({ ...codec, decode: () => new Foo() })).toThrow(/already registered/);
  });

  it("rejects a bad tag", () => {
    const codec = { test: (_v: unknown): _v is never => false, encode: () => 1, decode: () => 1 as never };
    expect(() => registerCodec({ ...codec, tag: "" })).toThrow(/letters, digits/);
    expect(() => registerCodec({ ...codec, tag: "has space" })).toThrow(InvalidOptionError);
  });
});

describe("decode errors", () => {
  it.each([
    ["malformed JSON", "{", /^cannot decode value: the text is not valid JSON/],
    ["an unknown tag", '{"a":[{"$t":"nope"}]}', /\$\.a\[0\] is a value with the unknown tag "nope"/],
    ["an unregistered codec tag", '{"$t":"x:gone","v":1}', /unknown tag "x:gone".*flyte\.registerCodec/],
    ["a bad date", '{"$t":"date","v":"soon"}', /malformed "date" value \(expected an ISO date string\)/],
    ["bad base64", '{"$t":"bytes","v":"@@@@"}', /malformed "bytes" value/],
    ["a bad bigint", '{"$t":"bigint","v":"1.5"}', /malformed "bigint" value/],
    ["a bad num", '{"$t":"num","v":"1"}', /malformed "num" value/],
    ["a bad map", '{"$t":"map","v":[[1]]}', /\$\.entries\(\)\[0\] is a malformed "map" value/],
    ["a bad set", '{"$t":"set","v":{}}', /malformed "set" value/],
    ["a bad escape", '{"$t":"obj","v":[]}', /malformed "obj" value/],
    ["an extra key", '{"$t":"undef","w":1}', /extra key "w"/],
    ["a non-string tag", '{"$t":5}', /"\$t" is not a string/],
    ["a nested bad value", '{"m":{"$t":"map","v":[["k",{"$t":"date","v":1}]]}}', /\$\.m\.entries\(\)\[0\] is a malformed "date"/],
  ])("rejects %s", (_label, text, message) => {
    expect(decodeError(text).message).toMatch(message);
  });

  it("rejects text that is not a string", () => {
    expect(decodeError(null as unknown as string).message).toMatch(/expected the encoded text/);
  });

  it("reports a codec whose decode fails", () => {
    class Brittle {}
    registerCodec<Brittle>({
      tag: "test.brittle",
      test: (v): v is Brittle => v instanceof Brittle,
      encode: () => 1,
      decode: () => {
        throw new Error("cannot rebuild");
      },
    });
    expect(decodeError(encodeValue([new Brittle()])).message).toMatch(
      /\$\[0\] is a value whose codec "test.brittle" failed \(cannot rebuild\)/,
    );
  });
});

describe("hashText", () => {
  it("is the hex sha256 of the text", () => {
    expect(hashText("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hashText(encodeValue({ a: 1, b: 2 }))).toBe(hashText(encodeValue({ b: 2, a: 1 })));
  });
});
