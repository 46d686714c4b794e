// The decoding half of the value codec (codec.ts): JSON.parse, then one in-place walk that replaces tagged
// objects by the values they stand for. Text without any "$t" key skips the walk. Anything malformed or an
// unknown tag is a SerializationError naming the path, never a silently wrong value.
import { SerializationError } from "../errors/index.js";
import { Problem, keySegment, messageOf, pathOf, withSegment } from "./codec.js";
import { codecForTag } from "./codec-registry.js";

const FIX_CORRUPT = "the text was not written by encodeValue or has been altered";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INTEGER = /^-?\d+$/;

function malformed(tag: string, expected: string): Problem {
  return new Problem(`a malformed "${tag}" value (expected ${expected})`, FIX_CORRUPT);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Replacing a property with `o[k] = …` would set the prototype when k is "__proto__" (JSON.parse makes it an
// own key); define it instead.
function setProp(o: Record<string, unknown>, k: string, value: unknown): void {
  if (k === "__proto__") Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
  else o[k] = value;
}

function revive(node: unknown): unknown {
  if (typeof node !== "object" || node === null) return node;
  if (Array.isArray(node)) {
    reviveArray(node);
    return node;
  }
  const o = node as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, "$t")) return reviveTagged(o);
  reviveProps(o);
  return o;
}

function reviveArray(a: unknown[]): void {
  let i = 0;
  try {
    for (; i < a.length; i++) {
      const x = a[i];
      if (typeof x === "object" && x !== null) a[i] = revive(x);
    }
  } catch (e) {
    throw withSegment(e, `[${i}]`);
  }
}

function reviveProps(o: Record<string, unknown>): void {
  const keys = Object.keys(o);
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      const x = o[k];
      if (typeof x !== "object" || x === null) continue;
      const y = revive(x);
      if (y !== x) setProp(o, k, y);
    }
  } catch (e) {
    throw withSegment(e, keySegment(keys[i]!));
  }
}

function reviveMap(v: unknown): Map<unknown, unknown> {
  if (!Array.isArray(v)) throw malformed("map", "an array of [key, value] pairs");
  const map = new Map<unknown, unknown>();
  let i = 0;
  try {
    for (; i < v.length; i++) {
      const pair: unknown = v[i];
      if (!Array.isArray(pair) || pair.length !== 2) throw malformed("map", "an array of [key, value] pairs");
      map.set(revive(pair[0]), revive(pair[1]));
    }
  } catch (e) {
    throw withSegment(e, `.entries()[${i}]`);
  }
  return map;
}

function reviveSet(v: unknown): Set<unknown> {
  if (!Array.isArray(v)) throw malformed("set", "an array");
  reviveArray(v);
  return new Set(v);
}

function reviveRegistered(tag: string, v: unknown): unknown {
  const codec = codecForTag(tag.slice(2));
  if (codec === undefined) {
    throw new Problem(
      `a value with the unknown tag "${tag}"`,
      `register its codec with flyte.registerCodec({ tag: "${tag.slice(2)}", ... }) before decoding`,
    );
  }
  let data: unknown;
  try {
    data = revive(v);
  } catch (e) {
    throw withSegment(e, `<codec "${codec.tag}">`);
  }
  try {
    return codec.decode(data);
  } catch (e) {
    throw new Problem(`a value whose codec "${codec.tag}" failed (${messageOf(e)})`, "fix the codec's decode", e);
  }
}

function reviveTagged(o: Record<string, unknown>): unknown {
  const tag = o.$t;
  const v = o.v;
  for (const k in o) {
    if (k !== "$t" && k !== "v") throw new Problem(`a tagged value with the extra key ${JSON.stringify(k)}`, FIX_CORRUPT);
  }
  if (typeof tag !== "string") throw new Problem('a tagged value whose "$t" is not a string', FIX_CORRUPT);
  switch (tag) {
    case "undef":
      return undefined;
    case "num":
      if (v === "NaN") return NaN;
      if (v === "Infinity") return Infinity;
      if (v === "-Infinity") return -Infinity;
      if (v === "-0") return -0;
      throw malformed(tag, '"NaN", "Infinity", "-Infinity" or "-0"');
    case "date": {
      const date = typeof v === "string" ? new Date(v) : undefined;
      if (date === undefined || Number.isNaN(date.getTime())) throw malformed(tag, "an ISO date string");
      return date;
    }
    case "bytes":
      if (typeof v !== "string" || v.length % 4 !== 0 || !BASE64.test(v)) throw malformed(tag, "a base64 string");
      // A copy, so the result does not share Buffer's pooled memory with unrelated data.
      return new Uint8Array(Buffer.from(v, "base64"));
    case "bigint":
      if (typeof v !== "string" || !INTEGER.test(v)) throw malformed(tag, "a decimal integer string");
      return BigInt(v);
    case "map":
      return reviveMap(v);
    case "set":
      return reviveSet(v);
    case "obj":
      // The escaped object's own "$t" is user data: revive its properties, not the object as a tag.
      if (!isObject(v)) throw malformed(tag, "an object");
      reviveProps(v);
      return v;
  }
  if (tag.startsWith("x:")) return reviveRegistered(tag, v);
  throw new Problem(`a value with the unknown tag ${JSON.stringify(tag)}`, FIX_CORRUPT);
}

/** Decodes text written by encodeValue back to the value it encoded. Throws SerializationError if it cannot. */
export function decodeValue(text: string): unknown {
  if (typeof text !== "string") {
    throw new SerializationError(`cannot decode value: expected the encoded text, got ${typeof text}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SerializationError(`cannot decode value: the text is not valid JSON (${messageOf(e)}); ${FIX_CORRUPT}`, {
      cause: e,
    });
  }
  // Every tag is an object key spelled exactly "$t"; without one, JSON.parse's result is already the value.
  if (!text.includes('"$t"')) return parsed;
  try {
    return revive(parsed);
  } catch (e) {
    const problem = e instanceof Problem ? e : withSegment(e, "");
    const cause = problem.cause === undefined ? {} : { cause: problem.cause };
    throw new SerializationError(
      `cannot decode value: ${pathOf(problem)} is ${problem.description}; ${problem.fix}`,
      cause,
    );
  }
}
