// Memory watch: samples a worker process's resident memory and reports once when it goes over the task's limit,
// so the executor can stop the worker and fail the attempt with an OOMError. Linux only (it reads /proc); elsewhere
// it does nothing. Reads never overlap: the next sample is scheduled after the previous one finished.
import { readFile } from "node:fs/promises";
import { InvalidOptionError } from "../errors/index.js";

export interface WatchMemoryOptions {
  /** Time between samples (default 500 ms). */
  intervalMs?: number | undefined;
  /** Called with each sampled RSS (e.g. to record an attempt's peak memory). */
  onSample?: ((rssBytes: number) => void) | undefined;
  /** Called when /proc could not be read for another reason than the process being gone; the watch stops. */
  onError?: ((error: Error) => void) | undefined;
}

const DEFAULT_INTERVAL_MS = 500;
const VM_RSS = /^VmRSS:\s+(\d+)\s+kB/m;

/**
 * Calls `onExceed` once when the resident memory of process `pid` exceeds `limitBytes`, then stops.
 * Returns a function that stops watching. A process that has exited stops the watch silently.
 * @example const stop = watchMemory(child.pid, limit, () => child.kill("SIGKILL"))
 */
export function watchMemory(
  pid: number,
  limitBytes: number,
  onExceed: (rssBytes: number) => void,
  options?: WatchMemoryOptions,
): () => void {
  const intervalMs = options?.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new InvalidOptionError(`watchMemory: pid must be a positive integer, got ${pid}.`);
  if (!(limitBytes > 0)) throw new InvalidOptionError(`watchMemory: limitBytes must be > 0, got ${limitBytes}.`);
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new InvalidOptionError(`watchMemory: intervalMs must be a finite number > 0, got ${intervalMs}.`);
  }
  if (process.platform !== "linux") return () => {};

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    // unref: a watch must never be what keeps the server (or a test) alive.
    // A callback that throws surfaces as an unhandled rejection, as a throwing event listener would.
    timer = setTimeout(() => void sample(), intervalMs).unref();
  };
  const sample = async (): Promise<void> => {
    timer = undefined;
    let rss: number | undefined;
    try {
      rss = await readRss(pid);
    } catch (error) {
      if (stopped) return;
      stopped = true;
      options?.onError?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (stopped) return;
    if (rss === undefined) {
      stopped = true; // the process is gone; its exit is reported by whoever spawned it
      return;
    }
    options?.onSample?.(rss);
    if (rss > limitBytes) {
      stopped = true;
      onExceed(rss);
      return;
    }
    if (!stopped) schedule(); // onSample may have stopped the watch
  };
  schedule();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}

/**
 * The resident set size of `pid` in bytes, or undefined when the process no longer exists (or is a zombie, which
 * has no VmRSS line). Throws on other read failures, e.g. a permission error.
 */
export async function readRss(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return undefined;
    throw error;
  }
  const m = VM_RSS.exec(status);
  return m === null ? undefined : Number(m[1]) * 1024;
}
