// The io part: the value codec (and later File, Dir and DataFrame references, which register codecs).
// Other parts import from here only.
export { encodeIdentity, encodeValue, hasCodecValues, hashText } from "./codec.js";
export type { EncodeOptions } from "./codec.js";
export { decodeValue } from "./codec-decode.js";
export { registerCodec } from "./codec-registry.js";
export type { Codec } from "./codec-registry.js";
