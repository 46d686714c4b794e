// Codecs registered for class instances (File, Dir, DataFrame, user classes): stored as {"$t": "x:" + tag}.
// A tag is permanent once values are stored with it, so a tag cannot be re-registered with another codec.
import { InvalidOptionError } from "../errors/index.js";

/** Encodes instances of one class; `encode`'s result is encoded again by the codec, so it may nest values. */
export interface Codec<T> {
  /** Stored as "x:" + tag: letters, digits and . _ - / only; never change it once values are stored. */
  tag: string;
  test: (value: unknown) => value is T;
  encode: (value: T) => unknown;
  decode: (data: unknown) => T;
  /**
   * What identifies the value for cache keys, when that differs from its encoding: a File is identified by
   * its content hash, not by where it is stored. Defaults to `encode`.
   */
  identity?: (value: T) => unknown;
}

const TAG = /^[\w.\-/]+$/;

const codecs: Codec<any>[] = [];
/** @internal In registration order: the encoder tries each `test` in turn. */
export const registeredCodecs: readonly Codec<any>[] = codecs;
const codecsByTag = new Map<string, Codec<any>>();
const codecPrefixes = new Map<Codec<any>, string>();

/**
 * Makes instances of a class usable as task inputs and outputs.
 * @example registerCodec({ tag: "point", test: (v): v is Point => v instanceof Point, encode: (p) => [p.x, p.y], decode: (d) => new Point(...(d as [number, number])) })
 */
export function registerCodec<T>(codec: Codec<T>): void {
  if (typeof codec.tag !== "string" || !TAG.test(codec.tag)) {
    throw new InvalidOptionError(
      `registerCodec: tag ${JSON.stringify(codec.tag)} is not allowed; use letters, digits and . _ - / only`,
    );
  }
  const existing = codecsByTag.get(codec.tag);
  if (existing !== undefined) {
    if (existing.test === codec.test && existing.encode === codec.encode && existing.decode === codec.decode) return;
    throw new InvalidOptionError(
      `registerCodec: tag "${codec.tag}" is already registered with a different codec; choose another tag`,
    );
  }
  codecs.push(codec);
  codecsByTag.set(codec.tag, codec);
  codecPrefixes.set(codec, `{"$t":${JSON.stringify(`x:${codec.tag}`)},"v":`);
}

/** @internal For the decoder: the codec registered under a tag. */
export function codecForTag(tag: string): Codec<unknown> | undefined {
  return codecsByTag.get(tag);
}

/** @internal The encoded text before the codec's data, computed once per codec. */
export function codecPrefix(codec: Codec<any>): string {
  return codecPrefixes.get(codec)!;
}
