// Why a worker process ended in the middle of an attempt, as a Flyte error: OOMError when it ran out of memory
// (stopped by the memory watch, or V8 hit its heap limit), RuntimeSystemError for any other crash. The message
// names the process, how it ended, the last lines of its stderr and what to do.
import { InvalidOptionError, OOMError, RuntimeSystemError } from "../errors/index.js";

export interface WorkerExitInfo {
  pid: number;
  /** The exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the executor stopped the worker because its RSS went over the task's memory limit. */
  killedForMemory?: { rssBytes: number; limitBytes: number } | undefined;
  /** The end of the worker's stderr (see {@link tailBuffer}). */
  stderrTail?: string | undefined;
  /** What the worker was running, e.g. "attempt 2 of action a0/3f…". */
  what: string;
}

// What V8 prints when the heap limit is reached: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript
// heap out of memory" (the wording has varied between Node versions, hence both halves).
const V8_HEAP_OOM = /JavaScript heap out of memory|Reached heap limit/;
const STDERR_LINES = 20;

function memoryFix(suggested?: string): string {
  const example = suggested === undefined ? "" : `, e.g. \`new Resources({ memory: "${suggested}" })\``;
  return `Raise the task's memory in flyte.Resources${example}.`;
}

/** Twice the old limit, spelled the way a user would write it ("1Gi", "200Mi"). */
function doubled(limitBytes: number): string {
  const mi = Math.ceil((2 * limitBytes) / 2 ** 20);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** The error an attempt fails with when its worker process ended while running it. */
export function workerExitError(info: WorkerExitInfo): Error {
  const stderr = lastLines(info.stderrTail ?? "", STDERR_LINES);
  const stderrPart = stderr === "" ? "" : `\nLast lines of the worker's stderr:\n${stderr}`;
  if (info.killedForMemory !== undefined) {
    const { rssBytes, limitBytes } = info.killedForMemory;
    return new OOMError(
      `${capitalize(info.what)} ran out of memory: worker process ${info.pid} used ${mib(rssBytes)} of resident ` +
        `memory, over the task's limit of ${mib(limitBytes)}, and was stopped. ${memoryFix(doubled(limitBytes))}${stderrPart}`,
    );
  }
  if (V8_HEAP_OOM.test(info.stderrTail ?? "")) {
    return new OOMError(
      `${capitalize(info.what)} ran out of memory: the JavaScript heap of worker process ${info.pid} reached its ` +
        `limit (it ${howItEnded(info)}). ${memoryFix()}${stderrPart}`,
    );
  }
  // A SIGKILL the executor did not send usually comes from the kernel's OOM killer.
  const hint =
    info.signal === "SIGKILL"
      ? " A SIGKILL that Flyte did not send usually comes from the system's OOM killer (see `dmesg`): give the " +
        "host more memory, or lower the server's `--memory` capacity so fewer actions run at once."
      : " The worker's stderr usually says why it ended.";
  return new RuntimeSystemError(
    `Worker process ${info.pid} ${howItEnded(info)} while running ${info.what}.${hint}${stderrPart}`,
  );
}

function howItEnded(info: WorkerExitInfo): string {
  if (info.signal !== null) return `was killed by signal ${info.signal}`;
  if (info.code !== null) return `exited with code ${info.code}`;
  return "exited";
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split(/\r?\n/);
  return lines.slice(-n).join("\n");
}

/** Keeps the last `maxBytes` bytes of a stream's text, e.g. a worker's stderr for its exit error. */
export interface TailBuffer {
  push(chunk: Buffer | string): void;
  /** The kept text; a character cut in half at the start is dropped. */
  text(): string;
}

/** A {@link TailBuffer} holding at most `maxBytes` bytes. */
export function tailBuffer(maxBytes: number): TailBuffer {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new InvalidOptionError(`tailBuffer: maxBytes must be a positive integer, got ${maxBytes}.`);
  }
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      if (bytes.length >= maxBytes) {
        // Copy, so a large chunk's whole backing memory is not kept alive by a small view of it.
        chunks = [Buffer.from(bytes.subarray(bytes.length - maxBytes))];
        size = maxBytes;
        return;
      }
      chunks.push(bytes);
      size += bytes.length;
      while (size > maxBytes) {
        const first = chunks[0]!;
        const excess = size - maxBytes;
        if (first.length <= excess) {
          chunks.shift();
          size -= first.length;
        } else {
          chunks[0] = first.subarray(excess);
          size -= excess;
        }
      }
    },
    text() {
      const all = Buffer.concat(chunks, size);
      let start = 0;
      // Skip UTF-8 continuation bytes (10xxxxxx) left by a cut through a multi-byte character.
      while (start < all.length && start < 4 && (all[start]! & 0xc0) === 0x80) start++;
      return all.toString("utf8", start);
    },
  };
}
