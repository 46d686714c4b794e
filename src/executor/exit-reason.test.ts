import { describe, expect, it } from "vitest";
import { OOMError, RuntimeSystemError, errorCode, errorKind } from "../errors/index.js";
import { tailBuffer, workerExitError } from "./exit-reason.js";

const MiB = 2 ** 20;
const what = "attempt 2 of action a0/3f";

describe("workerExitError", () => {
  it("is an OOMError with RSS, limit and the fix when the memory watch stopped the worker", () => {
    const error = workerExitError({
      pid: 4242,
      code: null,
      signal: "SIGKILL",
      killedForMemory: { rssBytes: 612 * MiB, limitBytes: 512 * MiB },
      what,
    });
    expect(error).toBeInstanceOf(OOMError);
    expect(errorCode(error)).toBe("OOM");
    expect(error.message).toMatch(/^Attempt 2 of action a0\/3f ran out of memory/);
    expect(error.message).toContain("worker process 4242 used 612 MiB");
    expect(error.message).toContain("limit of 512 MiB");
    expect(error.message).toContain('flyte.Resources, e.g. `new Resources({ memory: "1Gi" })`');
    expect(error.message).not.toContain("stderr");
  });

  it("is an OOMError when the stderr shows V8 reached its heap limit, and quotes the stderr", () => {
    const stderrTail = [
      "<--- Last few GCs --->",
      "[77:0x5f]   1203 ms: Mark-Compact 2047.1 (2083.4) -> 2046.9 (2083.6) MB",
      "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
      "",
    ].join("\n");
    const error = workerExitError({ pid: 77, code: null, signal: "SIGABRT", stderrTail, what });
    expect(error).toBeInstanceOf(OOMError);
    expect(error.message).toContain("JavaScript heap of worker process 77 reached its limit");
    expect(error.message).toContain("was killed by signal SIGABRT");
    expect(error.message).toContain("Raise the task's memory in flyte.Resources");
    expect(error.message).toContain("Last lines of the worker's stderr:\n<--- Last few GCs --->");
    expect(error.message.endsWith("JavaScript heap out of memory")).toBe(true);
    // Either half of V8's message is enough (its wording has changed between Node versions).
    expect(workerExitError({ pid: 1, code: 134, signal: null, stderrTail: "FATAL ERROR: Reached heap limit", what })).toBeInstanceOf(OOMError);
    expect(workerExitError({ pid: 1, code: 134, signal: null, stderrTail: "JavaScript heap out of memory", what })).toBeInstanceOf(OOMError);
  });

  it("is a RuntimeSystemError naming the pid and exit code, with the last lines of stderr", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const error = workerExitError({ pid: 99, code: 3, signal: null, stderrTail: lines.join("\n") + "\n", what });
    expect(error).toBeInstanceOf(RuntimeSystemError);
    expect(errorKind(error)).toBe("system");
    expect(error.message).toMatch(/^Worker process 99 exited with code 3 while running attempt 2 of action a0\/3f\./);
    expect(error.message).toContain("Last lines of the worker's stderr:\nline 11\n");
    expect(error.message).not.toContain("line 10\n");
    expect(error.message.endsWith("line 30")).toBe(true);
  });

  it("is a RuntimeSystemError naming the signal, pointing at the OOM killer for an unexplained SIGKILL", () => {
    const killed = workerExitError({ pid: 5, code: null, signal: "SIGKILL", what });
    expect(killed).toBeInstanceOf(RuntimeSystemError);
    expect(killed.message).toContain("Worker process 5 was killed by signal SIGKILL while running attempt 2");
    expect(killed.message).toContain("OOM killer");
    expect(killed.message).not.toContain("stderr:");
    const segv = workerExitError({ pid: 6, code: null, signal: "SIGSEGV", stderrTail: "  \n", what });
    expect(segv).toBeInstanceOf(RuntimeSystemError);
    expect(segv.message).toContain("was killed by signal SIGSEGV");
    expect(segv.message).not.toContain("OOM killer");
    expect(segv.message).not.toContain("Last lines");
  });

  it("does not call an ordinary crash an OOM", () => {
    const error = workerExitError({ pid: 8, code: 1, signal: null, stderrTail: "TypeError: x is not a function", what });
    expect(error).not.toBeInstanceOf(OOMError);
    expect(errorCode(error)).toBe("SYSTEM_ERROR");
  });
});

describe("tailBuffer", () => {
  it("keeps everything while under the limit", () => {
    const tail = tailBuffer(100);
    tail.push("hello ");
    tail.push(Buffer.from("world"));
    expect(tail.text()).toBe("hello world");
  });

  it("keeps only the last maxBytes bytes across many chunks", () => {
    const tail = tailBuffer(10);
    for (const chunk of ["abc", "defgh", "ijklmn", "op"]) tail.push(chunk);
    expect(tail.text()).toBe("ghijklmnop");
    tail.push("0123456789ABC"); // one chunk larger than the buffer
    expect(tail.text()).toBe("3456789ABC");
    tail.push("x");
    expect(tail.text()).toBe("456789ABCx");
  });

  it("drops a multi-byte character cut in half at the start", () => {
    const tail = tailBuffer(4);
    tail.push("é€ab"); // € is 3 bytes: the last 4 bytes are the last 2 of € and "ab"
    expect(tail.text()).toBe("ab");
    tail.push("c");
    expect(tail.text()).toBe("abc");
    const whole = tailBuffer(5);
    whole.push("x€ab");
    expect(whole.text()).toBe("€ab");
  });

  it("rejects a maxBytes that is not a positive integer", () => {
    expect(() => tailBuffer(0)).toThrow(/maxBytes must be a positive integer, got 0/);
  });
});
