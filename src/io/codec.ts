// The value codec: task inputs and outputs as canonical JSON text (sorted keys, no whitespace), so equal values
// always give identical text to store and hash. Non-JSON values are tagged objects {"$t": TAG, "v": ...}; a user
// object that has its own "$t" key is escaped as {"$t":"obj"} so data is never mistaken for a tag. Decoding is in
// codec-decode.ts, class codecs in codec-registry.ts. Hot path: no path tracking unless a value fails.
import crypto, { createHash } from "node:crypto";
import { SerializationError } from "../errors/index.js";
import { codecPrefix, registeredCodecs } from "./codec-registry.js";
import type { Codec } from "./codec-registry.js";

export interface EncodeOptions {
  /** Starts the error message, e.g. "output of task etl.main". */
  what?: string;
}

const FIX_PLAIN =
  "return plain data (objects, arrays, strings, numbers, booleans, null, Date, Uint8Array, Map, Set, bigint) " +
  "or register a codec with flyte.registerCodec";
const MAX_DEPTH = 1000;
const UNDEF = '{"$t":"undef"}';
const NEG_ZERO = '{"$t":"num","v":"-0"}';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * @internal Thrown inside the encoder and decoder walks; each container on the way out adds its path segment,
 * so a successful walk spends nothing on paths.
 */
export class Problem {
  readonly path: string[] = [];
  constructor(
    readonly description: string,
    readonly fix: string,
    readonly cause?: unknown,
  ) {}
}

/** @internal */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** @internal */
export function withSegment(e: unknown, segment: string): Problem {
  const problem =
    e instanceof Problem
      ? e
      : new Problem(`a value that threw while being read (${messageOf(e)})`, "make its properties readable", e);
  problem.path.push(segment);
  return problem;
}

/** @internal */
export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** @internal */
export function pathOf(problem: Problem): string {
  return `$${problem.path.reverse().join("")}`;
}

// Ancestors of the value being encoded: a container met again among them is a cycle. Shared (non-cyclic)
// references are fine and are encoded once per occurrence.
const ancestors: object[] = [];

function enter(o: object): void {
  if (ancestors.includes(o)) {
    throw new Problem("a circular reference (the value contains itself)", "remove the cycle, e.g. refer by id");
  }
  if (ancestors.length >= MAX_DEPTH) {
    throw new Problem(`nested more than ${MAX_DEPTH} levels deep`, "flatten the value");
  }
  ancestors.push(o);
}

function encNumber(n: number): string {
  if (Number.isFinite(n)) return n === 0 && 1 / n < 0 ? NEG_ZERO : `${n}`;
  return `{"$t":"num","v":"${n}"}`;
}

function enc(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return encNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      return v === null ? "null" : encObject(v);
    case "undefined":
      return UNDEF;
    case "bigint":
      return `{"$t":"bigint","v":"${v}"}`;
    case "function":
      throw new Problem(v.name ? `a function (${v.name})` : "a function", FIX_PLAIN);
    default:
      throw new Problem(`a symbol (${String(v)})`, FIX_PLAIN);
  }
}

function encObject(o: object): string {
  if (Array.isArray(o)) return encArray(o);
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) return encPlain(o as Record<string, unknown>);
  return encInstance(o);
}

function encArray(a: unknown[]): string {
  enter(a);
  let out = "[";
  let i = 0;
  try {
    for (; i < a.length; i++) out += i === 0 ? enc(a[i]) : `,${enc(a[i])}`;
  } catch (e) {
    throw withSegment(e, `[${i}]`);
  }
  ancestors.pop();
  return `${out}]`;
}

// JSON.stringify of a key costs ~100 ns and the same few keys recur in every record: cache `"key":`, bounded
// so maps keyed by ids cannot grow it without limit.
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 10_000;

function keyText(k: string): string {
  let text = keyTexts.get(k);
  if (text === undefined) {
    if (keyTexts.size >= MAX_KEY_TEXTS) keyTexts.clear();
    text = `${JSON.stringify(k)}:`;
    keyTexts.set(k, text);
  }
  return text;
}

function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  // Most objects already have sorted keys; checking is far cheaper than sorting. `>` and the default sort
  // both compare UTF-16 code units: canonical and independent of locale.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) return keys.sort();
  }
  return keys;
}

function encPlain(o: Record<string, unknown>): string {
  enter(o);
  const keys = sortedKeys(o);
  let out = "{";
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      out += i === 0 ? keyText(k) + enc(o[k]) : `,${keyText(k)}${enc(o[k])}`;
    }
  } catch (e) {
    throw withSegment(e, keySegment(keys[i]!));
  }
  ancestors.pop();
  return hasOwn.call(o, "$t") ? `{"$t":"obj","v":${out}}}` : `${out}}`;
}

function mapKeyLabel(key: unknown, index: number): string {
  if (typeof key === "string") return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  if (typeof key === "number" || typeof key === "boolean") return String(key);
  if (typeof key === "bigint") return `${key}n`;
  return `<key #${index}>`;
}

function encMap(m: Map<unknown, unknown>): string {
  enter(m);
  let out = '{"$t":"map","v":[';
  let i = 0;
  let key: unknown;
  let atValue = false;
  try {
    for (const entry of m) {
      key = entry[0];
      atValue = false;
      out += `${i === 0 ? "[" : ",["}${enc(key)},`;
      atValue = true;
      out += `${enc(entry[1])}]`;
      i++;
    }
  } catch (e) {
    throw withSegment(e, atValue ? `.get(${mapKeyLabel(key, i)})` : `.keys()[${i}]`);
  }
  ancestors.pop();
  return `${out}]}`;
}

function encSet(s: Set<unknown>): string {
  enter(s);
  let out = '{"$t":"set","v":[';
  let i = 0;
  try {
    for (const item of s) out += i++ === 0 ? enc(item) : `,${enc(item)}`;
  } catch (e) {
    throw withSegment(e, `.values()[${i - 1}]`);
  }
  ancestors.pop();
  return `${out}]}`;
}

// Set while encodeIdentity runs: codecs then contribute their identity instead of their stored form.
let identityMode = false;

function encWithCodec(codec: Codec<any>, o: object): string {
  enter(o);
  let data: unknown;
  try {
    data = identityMode && codec.identity ? codec.identity(o) : codec.encode(o);
  } catch (e) {
    throw new Problem(`a value whose codec "${codec.tag}" failed (${messageOf(e)})`, "fix the codec's encode", e);
  }
  let inner: string;
  try {
    inner = enc(data);
  } catch (e) {
    throw withSegment(e, `<codec "${codec.tag}">`);
  }
  ancestors.pop();
  return `${codecPrefix(codec)}${inner}}`;
}

function describeInstance(o: object): Problem {
  const ctor: unknown = (Object.getPrototypeOf(o) as { constructor?: unknown } | null)?.constructor;
  const name = typeof ctor === "function" && ctor.name ? ctor.name : "";
  const what = name ? `an instance of ${name}` : "an object with a custom prototype";
  if (o instanceof Promise) return new Problem("a Promise", "await it before passing or returning it");
  if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer) {
    return new Problem(what, "convert it to a Uint8Array (only Uint8Array and Buffer are supported as bytes)");
  }
  return new Problem(what, FIX_PLAIN);
}

function encInstance(o: object): string {
  // Registered codecs win over the built-in tags so a codec can handle, say, a subclass of Map.
  for (let i = 0; i < registeredCodecs.length; i++) {
    const codec = registeredCodecs[i]!;
    if (codec.test(o)) return encWithCodec(codec, o);
  }
  if (o instanceof Date) {
    const time = o.getTime();
    if (Number.isNaN(time)) throw new Problem("an invalid Date", "pass a valid Date (or null)");
    return `{"$t":"date","v":"${o.toISOString()}"}`;
  }
  if (o instanceof Uint8Array) {
    return `{"$t":"bytes","v":"${Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString("base64")}"}`;
  }
  if (o instanceof Map) return encMap(o);
  if (o instanceof Set) return encSet(o);
  throw describeInstance(o);
}

/**
 * Encodes a value as canonical JSON text; equal values give identical text. Throws SerializationError naming
 * the path of a value that cannot be encoded (functions, symbols, class instances without a codec, cycles).
 */
export function encodeValue(value: unknown, options?: EncodeOptions): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return encNumber(value);
  const depth = ancestors.length;
  try {
    return enc(value);
  } catch (e) {
    ancestors.length = depth;
    const problem = e instanceof Problem ? e : withSegment(e, "");
    const cause = problem.cause === undefined ? {} : { cause: problem.cause };
    throw new SerializationError(
      `${options?.what ?? "value"} cannot be encoded: ${pathOf(problem)} is ${problem.description}; ${problem.fix}`,
      cause,
    );
  }
}

/**
 * Like encodeValue, but values with a codec `identity` (files, directories, data frames) are represented by it,
 * so two references to equal content encode alike. Used for cache keys.
 */
export function encodeIdentity(value: unknown, options?: EncodeOptions): string {
  identityMode = true;
  try {
    return encodeValue(value, options);
  } finally {
    identityMode = false;
  }
}

/** Whether an encoding contains values of registered codecs (whose identity may differ from their encoding). */
export function hasCodecValues(encoded: string): boolean {
  return encoded.includes('{"$t":"x:');
}

/** sha256 of the text, as hex: the hash behind cache keys and deterministic action names. */
export function hashText(text: string): string {
  return oneShotHash ? oneShotHash("sha256", text, "hex") : createHash("sha256").update(text).digest("hex");
}

// crypto.hash (Node ≥ 20.12) skips the Hash object: about twice as fast on the short texts hashed per action.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
