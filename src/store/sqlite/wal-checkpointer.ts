// Copies a database's write-ahead log back into its file from a worker thread. SQLite's automatic checkpoint
// runs inside the commit that crosses its threshold, on the caller's thread: on a server that is the event loop,
// and its fsync of the log (~25-30 ms on the development machine) stalled every request and action in flight,
// once every ~700 one-action runs. A PASSIVE checkpoint on a connection of its own does the same work without
// blocking writers or readers; the writer then restarts the log as usual.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints; one with nothing new to copy returns at once. */
const CHECKPOINT_EVERY_MS = 500;

// Plain CommonJS evaluated in the worker: it loads the same better-sqlite3 as the store, by absolute path, so it
// works from a checkout (TypeScript through tsx) and from an installed package alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
let failure;
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    failure = undefined;
  } catch (error) {
    const message = String(error && error.message);
    if (message !== failure) parentPort.postMessage({ failed: message });
    failure = message;
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  readonly busyTimeoutMs: number;
  /** Told when a checkpoint fails (once per distinct error); the next one tries again. */
  readonly onError?: ((message: string) => void) | undefined;
  /** Told when the thread ended without being closed (it could not open the database, say): nothing checkpoints now. */
  readonly onStopped?: (() => void) | undefined;
}

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #closing = false;

  /** Starts checkpointing the database file at `path`, whose own connection must have wal_autocheckpoint = 0. */
  constructor(path: string, options: WalCheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const workerData = { driver, path, busyTimeoutMs: options.busyTimeoutMs, everyMs: CHECKPOINT_EVERY_MS };
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    // It never keeps the process alive; an open store is closed before exit anyway.
    this.#worker.unref();
    this.#exited = new Promise((resolve) =>
      this.#worker.once("exit", () => {
        if (!this.#closing) options.onStopped?.();
        resolve();
      }),
    );
    this.#worker.on("message", (message: { failed?: string }) => {
      if (message.failed !== undefined) options.onError?.(message.failed);
    });
    this.#worker.on("error", (error) => options.onError?.(error.message));
  }

  /** Stops checkpointing and closes the worker's connection. */
  async close(): Promise<void> {
    this.#closing = true;
    // Held open until the thread has closed its connection: otherwise a process with nothing else left to do
    // would end while this is awaited.
    this.#worker.ref();
    this.#worker.postMessage("close");
    await this.#exited;
  }
}
