// Captures what task code writes to the console, stdout or stderr, per action and attempt. The process-wide
// streams are patched once; each write is routed by the ambient action frame, so concurrent actions never mix
// their lines. Writes outside any action pass through untouched.
import { format } from "node:util";
import type { LogStream, WriteOp } from "../store/index.js";
import { currentFrame } from "./context.js";
import { processGlobal } from "../process-global.js";

export type LogSink = (op: WriteOp) => void;

// Shared by every copy of the package: the streams must be patched once, and echo is a process setting.
const state = processGlobal("log-capture", () => ({ installed: false, echo: true }));
/** Set while a patched console method forwards to the original, so the stream patch does not record twice. */
let forwarding = false;

/** Whether captured output is also written to the real stdout/stderr (the CLI turns it off when it renders). */
export function setLogEcho(on: boolean): void {
  state.echo = on;
}

/** Patches the console and the process streams once; each run routes its actions' writes to its own sink. */
export function installLogCapture(): void {
  if (state.installed) return;
  state.installed = true;
  patchStream(process.stdout, "stdout");
  patchStream(process.stderr, "stderr");
  const methods: Array<[keyof Console, LogStream]> = [
    ["log", "stdout"],
    ["info", "stdout"],
    ["debug", "stdout"],
    ["warn", "stderr"],
    ["error", "stderr"],
  ];
  for (const [method, stream] of methods) {
    const original = console[method] as (...args: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = function (this: Console, ...args: unknown[]): void {
      const captured = captureForFrame(stream, format(...args) + "\n");
      if (captured && !state.echo) return;
      forwarding = true;
      try {
        original.apply(this, args);
      } finally {
        forwarding = false;
      }
    };
  }
}

function patchStream(target: NodeJS.WriteStream, stream: LogStream): void {
  const original = target.write.bind(target) as (...args: unknown[]) => boolean;
  target.write = function (chunk: unknown, ...rest: unknown[]): boolean {
    if (!forwarding) {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      if (captureForFrame(stream, text) && !state.echo) {
        const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
        if (callback) process.nextTick(callback);
        return true;
      }
    }
    return original(chunk, ...rest);
  } as typeof target.write;
}

function captureForFrame(stream: LogStream, text: string): boolean {
  const frame = currentFrame();
  if (!frame?.run.logSink) return false;
  frame.run.logSink({
    op: "log.append",
    record: { runName: frame.run.name, actionName: frame.node.name, attempt: frame.node.attempt, stream, ts: Date.now(), text },
  });
  return true;
}
