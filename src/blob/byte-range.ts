// The byte range of `openRead`, checked the same way by every store: [start, end] inclusive, `end` past the
// object's last byte is clamped, and a range that starts past the end reads as empty (S3 would answer 416).
import { InvalidOptionError } from "../errors/index.js";

export interface ByteRange {
  start: number;
  end?: number;
}

/** Returns the range unchanged, or throws naming the URI, the bad range and what is allowed. */
export function checkByteRange(uri: string, range: ByteRange | undefined): ByteRange | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!valid) {
    throw new InvalidOptionError(
      `openRead("${uri}"): invalid range ${JSON.stringify(range)}: start must be an integer >= 0 and end, ` +
        `when given, an integer >= start (both inclusive)`,
    );
  }
  return range;
}
