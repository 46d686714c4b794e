// Entry of a worker process (forked by the engine's process executor, IPC channel attached). It loads the
// module named in its settings, tells the engine which tasks it defines, then runs the attempts it is sent
// until the engine disconnects or says shutdown.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openBlobStore } from "../blob/index.js";
import { installDataContext, installLogCapture, setLogEcho } from "../engine/index.js";
import { toErrorRecord } from "../errors/index.js";
import { registerBlobStore } from "../io/data-context.js";
import { registeredTasks } from "../sdk/task.js";
import { installModuleHooks } from "./module-hooks.js";
import { MessageBatcher, WORKER_SETTINGS_ENV, type EngineMessage, type WorkerMessage, type WorkerSettings } from "./protocol.js";
import { taskSpecOf } from "./task-spec.js";
import { WorkerRuntime } from "./worker-runtime.js";

const TSX_REGISTERED = Symbol.for("flyte.tsx-registered");

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error("a flyte worker runs as a child of the engine (with an IPC channel); start one with flyte start server");
  const settings = JSON.parse(process.env[WORKER_SETTINGS_ENV] ?? "null") as WorkerSettings | null;
  if (!settings) throw new Error(`${WORKER_SETTINGS_ENV} is not set`);
  const outbox = new MessageBatcher<WorkerMessage>((batch) => void send(batch));

  const blobs = openBlobStore(settings.blobs);
  registerBlobStore(blobs);
  installDataContext();
  installLogCapture();
  // Task output goes to the engine as log records; echoing it too would only fill the engine's stderr.
  setLogEcho(false);

  try {
    await loadModule(settings);
  } catch (error) {
    outbox.send({ t: "failed", error: toErrorRecord(error) });
    outbox.flush();
    process.disconnect();
    return;
  }
  const tasks = registeredTasks();
  const runtime = new WorkerRuntime(tasks, blobs, (message) => outbox.send(message));
  process.on("message", (batch: EngineMessage[]) => {
    for (const message of batch) {
      if (message.t === "shutdown") process.disconnect();
      else runtime.receive(message);
    }
  });
  process.on("disconnect", () => process.exit(0));
  outbox.send({ t: "ready", tasks: [...tasks.values()].map(taskSpecOf) });
}

async function loadModule(settings: WorkerSettings): Promise<void> {
  const file = path.resolve(settings.module);
  installModuleHooks({ module: file, resolveFrom: settings.resolveFrom, depsDir: settings.depsDir });
  const global = globalThis as Record<symbol, unknown>;
  if (/\.(c|m)?tsx?$/.test(file) && !global[TSX_REGISTERED]) {
    const { register } = await import("tsx/esm/api");
    register();
    global[TSX_REGISTERED] = true;
  }
  await import(pathToFileURL(file).href);
}

await main();
