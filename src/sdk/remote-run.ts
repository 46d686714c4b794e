// Runs on a Flyte server: the file that defines the task is bundled (esbuild), uploaded unless the server has
// that bundle already, and started with POST /v1/runs { code }. The Run handle reads the server through
// FlyteClient and waits on the run's watch stream; flyte.shutdown() ends every wait still open.
import { FlyteClient, followRun, type ActionDetail } from "../client/index.js";
import { bundleEntry, stopBundler, type CodeBundle } from "../deploy/bundle.js";
import type { InputSpec } from "../deploy/interface/index.js";
import { FlyteError, InvalidInputError, errorCode } from "../errors/index.js";
import { encodeValue } from "../io/index.js";
import { TERMINAL_PHASES, type ActionPhase, type ActionRecord, type LogRecord, type RunRecord } from "../store/index.js";
import { Run, untilAborted, type RunBackend } from "./run.js";
import { changedActions, finishedRunOutputs } from "./run-records.js";

/** Codec tags of values that point into a blob store (File, Dir, DataFrame). */
const DATA_TAGS = ['{"$t":"x:file"', '{"$t":"x:dir"', '{"$t":"x:dataframe"'];

/** What every run started on a server is started with: the task, its arguments and the run's settings. */
export interface ServerRunRequest {
  /** The task id, `env.task`. */
  readonly taskId: string;
  /** The task's arguments in order, as runtime values (encoded here with the codec). */
  readonly args: readonly unknown[];
  readonly name?: string | undefined;
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly overwriteCache?: boolean | undefined;
}

/** A run of a task from a file, which is bundled and uploaded first. */
export interface RemoteRunRequest extends ServerRunRequest {
  /** The file that defines the task (absolute, or relative to `cwd`): it is bundled and uploaded. */
  readonly file: string;
  /** Paths in the bundle are relative to this folder (default: the working directory). */
  readonly cwd?: string | undefined;
  /** Inputs of the file's tasks by task id, sent with the bundle so the server checks runs against them. */
  readonly interfaces?: Readonly<Record<string, readonly InputSpec[]>> | undefined;
  /** Told whether the bundle was uploaded or found on the server (the CLI prints it). */
  readonly onCode?: ((bundle: CodeBundle, uploaded: boolean) => void) | undefined;
}

/**
 * Encodes a remote run's arguments into the JSON the API takes. File, Dir and DataFrame values are refused: they
 * live in this machine's blob store, which the server cannot read.
 */
export function remoteInputs(args: readonly unknown[], taskId: string): unknown[] {
  const encoded = encodeValue([...args], { what: `the inputs of ${taskId}` });
  if (DATA_TAGS.some((tag) => encoded.includes(tag))) {
    throw new InvalidInputError(
      `task ${taskId}: File, Dir and DataFrame inputs are not supported for remote runs yet (they need a blob store shared with the server); run it locally, or pass the data's location as a string`,
    );
  }
  return JSON.parse(encoded) as unknown[];
}

/** Bundles, uploads when missing, and starts the run on the server. */
export async function startRemoteRun<R = unknown>(client: FlyteClient, request: RemoteRunRequest): Promise<Run<R>> {
  const inputs = remoteInputs(request.args, request.taskId);
  const bundle = await bundleEntry(request.file, request.cwd === undefined ? {} : { cwd: request.cwd });
  const uploaded = !(await client.hasCode(bundle.hash));
  if (uploaded) await client.uploadCode(request.interfaces ? { ...bundle, interfaces: request.interfaces } : bundle);
  request.onCode?.(bundle, uploaded);
  return createServerRun<R>(client, request, inputs, { code: bundle.hash });
}

/** A run of a deployed task (flyte deploy): nothing is bundled, the server has its code. */
export interface DeployedRunRequest extends ServerRunRequest {
  /** A deployed version; the server takes the latest when undefined. */
  readonly version?: string | undefined;
}

/** Starts a run of a deployed task on the server. */
export function startDeployedRun<R = unknown>(client: FlyteClient, request: DeployedRunRequest): Promise<Run<R>> {
  const inputs = remoteInputs(request.args, request.taskId);
  return createServerRun<R>(client, request, inputs, request.version === undefined ? {} : { version: request.version });
}

/** POST /v1/runs with the run's settings that are set, and `source` naming where the task's code is. */
async function createServerRun<R>(
  client: FlyteClient,
  request: ServerRunRequest,
  inputs: unknown[],
  source: { readonly code?: string; readonly version?: string },
): Promise<Run<R>> {
  const { name, project, domain, labels, overwriteCache } = request;
  const record = await client.createRun({
    task: request.taskId,
    inputs,
    ...source,
    ...(name === undefined ? {} : { name }),
    ...(project === undefined ? {} : { project }),
    ...(domain === undefined ? {} : { domain }),
    ...(labels === undefined ? {} : { labels }),
    ...(overwriteCache === undefined ? {} : { overwriteCache }),
  });
  return new Run<R>(record.name, new RemoteRunBackend(client, record));
}

/** Waits in progress, so flyte.shutdown() can end them (each holds an HTTP stream open). */
const openWaits = new Set<AbortController>();

/** Ends every remote wait and watch still open, and stops the bundler: afterwards nothing keeps the process alive. */
export async function closeRemoteRuns(): Promise<void> {
  for (const controller of [...openWaits]) {
    controller.abort(new FlyteError("flyte.shutdown() was called while waiting for a remote run; the run goes on on the server", { code: "CLIENT_SHUTDOWN", kind: "user" }));
  }
  openWaits.clear();
  await stopBundler();
}

/** A run on a Flyte server, read through its API. */
export class RemoteRunBackend implements RunBackend {
  readonly url: string;
  #record: RunRecord;

  constructor(
    private readonly client: FlyteClient,
    record: RunRecord,
  ) {
    this.#record = record;
    this.url = `${client.endpoint}/v1/runs/${encodeURIComponent(record.name)}`;
  }

  get phase(): ActionPhase {
    return this.#record.phase;
  }

  async wait(signal: AbortSignal | undefined): Promise<ActionPhase> {
    if (TERMINAL_PHASES.has(this.#record.phase)) return this.#record.phase;
    for await (const event of this.#follow(signal)) {
      if (event.run) this.#record = event.run;
    }
    if (!TERMINAL_PHASES.has(this.#record.phase)) this.#record = await this.client.getRun(this.#record.name);
    return this.#record.phase;
  }

  async outputs(): Promise<unknown> {
    await this.wait(undefined);
    const record = this.#record;
    return finishedRunOutputs(record);
  }

  async abort(reason: string): Promise<void> {
    try {
      this.#record = await this.client.abortRun(this.#record.name, reason);
    } catch (error) {
      // It ended between our last look and the request: nothing to abort.
      if (errorCode(error) !== "RUN_ALREADY_ENDED") throw error;
    }
    await this.wait(undefined).catch(() => undefined);
  }

  logs(actionName: string | undefined): Promise<LogRecord[]> {
    return this.client.getLogs(this.#record.name, actionName);
  }

  actions(): Promise<ActionRecord[]> {
    return this.client.listActions(this.#record.name);
  }

  async record(): Promise<RunRecord> {
    this.#record = await this.client.getRun(this.#record.name);
    return this.#record;
  }

  async action(name: string): Promise<ActionDetail | undefined> {
    try {
      return await this.client.getAction(this.#record.name, name);
    } catch (error) {
      if (errorCode(error) === "ACTION_NOT_FOUND") return undefined;
      throw error;
    }
  }

  async *watch(): AsyncGenerator<ActionRecord> {
    const seen = new Map<string, string>();
    for await (const event of this.#follow(undefined)) {
      if (event.run) this.#record = event.run;
      yield* changedActions(seen, event.actions ?? []);
    }
  }

  /** The run's watch events to its end, registered so that flyte.shutdown() can stop them. */
  async *#follow(signal: AbortSignal | undefined): AsyncGenerator<{ run?: RunRecord; actions?: ActionRecord[] }> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    openWaits.add(controller);
    try {
      const events = followRun(this.client, this.#record.name, { signal: controller.signal });
      for (;;) {
        let next: IteratorResult<{ run?: RunRecord; actions?: ActionRecord[] }>;
        try {
          // The stream notices an abort only when its connection closes; the wait ends at once.
          next = await untilAborted(events.next(), controller.signal);
        } catch (error) {
          void events.return(undefined).catch(() => undefined);
          throw error;
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      openWaits.delete(controller);
      signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }
}

/** One client per endpoint and token, shared by the runs of this process. */
const clients = new Map<string, FlyteClient>();

export function remoteClient(endpoint: string, token: string | undefined): FlyteClient {
  const key = `${endpoint}\u0000${token ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new FlyteClient({ endpoint, token });
    clients.set(key, client);
  }
  return client;
}
