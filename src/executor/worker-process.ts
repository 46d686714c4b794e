// One worker process as the engine sees it: forked with an IPC channel, messages batched per event-loop turn,
// held back until the worker has loaded its module, and every exit turned into an error that names why
// (killed for memory, V8 heap exhausted, crashed, killed by a signal).
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fromErrorRecord } from "../errors/index.js";
import type { TaskSpec } from "../worker/task-spec.js";
import {
  MessageBatcher,
  WORKER_SETTINGS_ENV,
  type EngineMessage,
  type WorkerMessage,
  type WorkerSettings,
} from "../worker/protocol.js";
import { tailBuffer, workerExitError } from "./exit-reason.js";
import { watchMemory } from "./memory-watch.js";
import type { PoolWorker } from "./worker-pool.js";

/** bin/flyte-worker.js, two folders up from src/executor and from dist/executor alike. */
const WORKER_BIN = fileURLToPath(new URL("../../bin/flyte-worker.js", import.meta.url));
const STDERR_TAIL_BYTES = 4096;
const MEMORY_SAMPLE_MS = 100;
const SHUTDOWN_GRACE_MS = 5_000;

export interface WorkerProcessOptions {
  readonly settings: WorkerSettings;
  readonly envVars: Readonly<Record<string, string>>;
  /** Kill the worker when its resident memory goes over this many bytes. */
  readonly memoryLimitBytes: number | null;
  readonly onMessage: (worker: WorkerProcess, message: WorkerMessage) => void;
  /** The process ended; `reason(what)` is the error of what it was running (e.g. "attempt 1 of action a0"). */
  readonly onExit: (worker: WorkerProcess, reason: (what: string) => Error) => void;
  /** Where the worker's own output (outside any task) goes. */
  readonly log: (line: string) => void;
}

export class WorkerProcess implements PoolWorker {
  readonly child: ChildProcess;
  /** The tasks the worker's module defines; rejects when the module fails to load or the worker dies first. */
  readonly ready: Promise<readonly TaskSpec[]>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Attempts running in this worker, and how many of them are waiting for child calls (not using a slot). */
  readonly attempts = new Set<number>();
  waiting = 0;
  /** When the worker last became idle (for the pool's idle TTL). */
  idleSince = Date.now();
  private readonly outbox: MessageBatcher<EngineMessage>;
  private held: EngineMessage[] | undefined = [];
  private exitReason: Error | undefined;
  private killedForMemory: { rssBytes: number; limitBytes: number } | undefined;
  private stopWatch: () => void = () => {};

  constructor(private readonly options: WorkerProcessOptions) {
    const stderr = tailBuffer(STDERR_TAIL_BYTES);
    const heapLimit = options.memoryLimitBytes === null ? [] : [`--max-old-space-size=${Math.max(16, Math.floor(options.memoryLimitBytes / 2 ** 20))}`];
    this.child = fork(WORKER_BIN, [], {
      // Bundles carry inline source maps: stack traces then name the user's .ts lines.
      execArgv: [...process.execArgv, "--enable-source-maps", ...heapLimit],
      env: { ...process.env, ...options.envVars, [WORKER_SETTINGS_ENV]: JSON.stringify(options.settings) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    const pid = this.child.pid ?? 0;
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim() !== "") options.log(`worker ${pid}: ${line}`);
    };
    this.child.stdout?.on("data", forward);
    this.child.stderr?.on("data", (chunk: Buffer) => {
      stderr.push(chunk);
      forward(chunk);
    });
    this.outbox = new MessageBatcher((batch) => {
      if (this.child.connected) this.child.send(batch);
    });

    let loaded!: (tasks: readonly TaskSpec[]) => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    // A worker that dies before it is ready rejects `ready`; nobody may be waiting on it yet.
    this.ready.catch(() => undefined);
    this.child.on("message", (batch: WorkerMessage[]) => {
      for (const message of batch) {
        if (message.t === "ready") {
          this.release();
          loaded(message.tasks);
        } else if (message.t === "failed") {
          failed(fromErrorRecord(message.error));
        } else {
          options.onMessage(this, message);
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.child.on("error", (error) => options.log(`worker ${pid}: ${error.message}`));
    this.child.on("exit", (code, signal) => {
      this.stopWatch();
      const reason = (what: string): Error =>
        this.exitReason ?? workerExitError({ pid, code, signal, killedForMemory: this.killedForMemory, stderrTail: stderr.text(), what });
      failed(reason("nothing yet (it was loading its module)"));
      options.onExit(this, reason);
    });
    if (options.memoryLimitBytes !== null && pid !== 0) {
      const limitBytes = options.memoryLimitBytes;
      this.stopWatch = watchMemory(pid, limitBytes, (rssBytes) => {
        this.killedForMemory = { rssBytes, limitBytes };
        this.child.kill("SIGKILL");
      }, { intervalMs: MEMORY_SAMPLE_MS });
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get label(): string {
    return `worker process ${this.pid}`;
  }

  get concurrency(): number {
    return this.options.settings.concurrency;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(message: EngineMessage): void {
    if (this.held) this.held.push(message);
    else this.outbox.send(message);
  }

  /** Kills the process; `reason` becomes the error of the attempts it was running. */
  kill(reason: Error): void {
    this.exitReason ??= reason;
    if (this.alive) this.child.kill("SIGKILL");
  }

  /** Asks the worker to finish; it exits once its channel closes, or is killed when it has not after a while. */
  shutdown(): void {
    if (!this.alive) return;
    this.send({ t: "shutdown" });
    this.outbox.flush();
    const timer = setTimeout(() => this.kill(new Error(`worker ${this.pid} did not stop when asked`)), SHUTDOWN_GRACE_MS);
    timer.unref();
    void this.exited.then(() => clearTimeout(timer));
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) this.outbox.send(message);
  }
}
