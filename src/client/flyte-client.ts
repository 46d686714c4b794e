// FlyteClient: a small typed client for the control plane's /v1 HTTP API over kept-alive node:http connections
// (http-transport.ts says why not fetch). Records come back in the RunStore's shapes (inputs/outputs as the
// codec's JSON text), so code that formats local records formats remote ones too. Every failure is a FlyteError
// (see errors.ts).
import { InvalidOptionError } from "../errors/index.js";
import type { ApiAction, ApiDeployedTask, ApiRun, ApiSecret, ApiTask, CodeManifest, CodeUpload } from "../server/index.js";
import type { DeploymentRequest, DeploymentResult } from "../deploy/deployment.js";
import type { ActionPhase, ActionRecord, AttemptRecord, LogRecord, RunRecord } from "../store/index.js";
import { responseError, unreachableError } from "./errors.js";
import { HttpTransport, type HttpReply } from "./http-transport.js";
import { readSse } from "./sse.js";

export interface FlyteClientOptions {
  /** The server's base URL, e.g. http://localhost:8090. */
  readonly endpoint: string;
  /** Bearer token; a server started with a token rejects requests without it. */
  readonly token?: string | undefined;
}

export interface CreateRunRequest {
  /** The task id, `env.task`. */
  readonly task: string;
  /** Arguments in order, in the codec's JSON form (plain JSON works for plain values). */
  readonly inputs: readonly unknown[];
  readonly name?: string;
  readonly project?: string;
  readonly domain?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly overwriteCache?: boolean;
  /** sha256 of a code bundle uploaded before (uploadCode): the server runs `task` from that bundle in its workers. */
  readonly code?: string;
  /** A deployed version of `task` (flyte deploy); without `code` or `version` a task the server did not load runs its latest deployed version. */
  readonly version?: string;
}

/** A code bundle to upload (what `bundleEntry` makes), with its tasks' inputs when known: the server's own shape. */
export type CodeUploadRequest = CodeUpload;

/** What the server keeps about a stored bundle (its manifest). */
export type CodeInfo = CodeManifest;

/** Where a secret lives: project and domain default to the server's; `group` is its optional namespace. */
export interface SecretLocation {
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
  readonly group?: string | undefined;
}

/** A stored secret as the server shows it: never its value. Times are ms since the Unix epoch. */
export type SecretInfo = ApiSecret;

/** Where deployed tasks are looked up: project and domain default to the server's. */
export interface TaskScope {
  readonly project?: string | undefined;
  readonly domain?: string | undefined;
}

/** `?a=1&b=2` of the defined entries, or "" when there are none. */
function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value as string | number));
  return search.size > 0 ? `?${search.toString()}` : "";
}

export interface ListRunsOptions {
  readonly limit?: number;
  readonly offset?: number;
  readonly phase?: ActionPhase;
  /** Only runs of this project / domain / root task id (`env.task`); absent: all of them. */
  readonly project?: string;
  readonly domain?: string;
  readonly taskName?: string;
}

export interface RunPage {
  readonly runs: RunRecord[];
  /** The offset of the next page, or null on the last one. */
  readonly nextOffset: number | null;
}

export interface ActionDetail {
  readonly action: ActionRecord;
  readonly attempts: AttemptRecord[];
}

/** An event of a run's watch stream, with any `run`, `runs` and `actions` in record form. */
export interface RunWatchEvent {
  readonly event: string;
  readonly run?: RunRecord;
  readonly runs?: RunRecord[];
  readonly actions?: ActionRecord[];
}

function stored(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function toRunRecord(run: ApiRun): RunRecord {
  return { ...run, inputs: stored(run.inputs), outputs: run.outputs === null ? null : stored(run.outputs) };
}

export function toActionRecord(action: ApiAction): ActionRecord {
  return { ...action, inputs: stored(action.inputs), outputs: action.outputs === null ? null : stored(action.outputs) };
}

/**
 * @example const client = new FlyteClient({ endpoint: "http://localhost:8090", token: process.env.FLYTE_API_TOKEN });
 *          const { name } = await client.createRun({ task: "env.add", inputs: [1, 2] });
 */
export class FlyteClient {
  readonly endpoint: string;
  readonly #token: string | undefined;
  readonly #http: HttpTransport;

  constructor(options: FlyteClientOptions) {
    if (typeof options.endpoint !== "string" || !/^https?:\/\/[^\s/]+/.test(options.endpoint)) {
      throw new InvalidOptionError(`FlyteClient: option "endpoint" must be an http(s) URL like http://localhost:8090, got ${JSON.stringify(options.endpoint)}`);
    }
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.#token = options.token === "" ? undefined : options.token;
    this.#http = new HttpTransport(this.endpoint);
  }

  async health(): Promise<{ ok: boolean; version: string }> {
    return this.#json("GET", "/v1/health");
  }

  /**
   * Starts a run. With `waitMs` the server answers once the run has ended or the wait is over (the record then
   * shows which), so starting a short run and getting its outputs is one request.
   */
  async createRun(request: CreateRunRequest, options: { readonly waitMs?: number } = {}): Promise<RunRecord> {
    const { run } = await this.#json<{ run: ApiRun }>("POST", `/v1/runs${query({ wait: options.waitMs })}`, request);
    return toRunRecord(run);
  }

  /** Whether the server stores the code bundle with this hash (HEAD /v1/code/:hash). */
  async hasCode(hash: string): Promise<boolean> {
    const response = await this.#send("HEAD", `/v1/code/${enc(hash)}`);
    if (response.status === 404) return false;
    if (!response.ok) throw this.#refused(response.status, response.text);
    return true;
  }

  /**
   * Uploads a code bundle. Always sends it (check `hasCode` first to skip bundles the server has); uploading a
   * stored bundle again is harmless and answers `created: false`.
   */
  async uploadCode(bundle: CodeUploadRequest): Promise<{ created: boolean; code: CodeInfo }> {
    const body = { code: bundle.code, externals: bundle.externals, entry: bundle.entry, ...(bundle.interfaces ? { interfaces: bundle.interfaces } : {}) };
    const response = await this.#request("PUT", `/v1/code/${enc(bundle.hash)}`, body);
    const { code } = JSON.parse(response.text) as { code: CodeInfo };
    return { created: response.status === 201, code };
  }

  /** @throws RunNotFoundError when no run has that name. */
  async getRun(name: string): Promise<RunRecord> {
    const { run } = await this.#json<{ run: ApiRun }>("GET", `/v1/runs/${enc(name)}`);
    return toRunRecord(run);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.offset !== undefined) query.set("offset", String(options.offset));
    if (options.phase !== undefined) query.set("phase", options.phase);
    if (options.project !== undefined) query.set("project", options.project);
    if (options.domain !== undefined) query.set("domain", options.domain);
    if (options.taskName !== undefined) query.set("task", options.taskName);
    const text = query.size > 0 ? `?${query.toString()}` : "";
    const page = await this.#json<{ runs: ApiRun[]; nextOffset: number | null }>("GET", `/v1/runs${text}`);
    return { runs: page.runs.map(toRunRecord), nextOffset: page.nextOffset };
  }

  /** Requests the abort (202) and returns the run as it is now; it reaches `aborted` shortly after. */
  async abortRun(name: string, reason?: string): Promise<RunRecord> {
    const body = reason === undefined ? {} : { reason };
    const { run } = await this.#json<{ run: ApiRun }>("POST", `/v1/runs/${enc(name)}/abort`, body);
    return toRunRecord(run);
  }

  /** All actions of the run in creation order, or only the children of `parent`. */
  async listActions(run: string, options: { readonly parent?: string } = {}): Promise<ActionRecord[]> {
    const query = options.parent === undefined ? "" : `?parent=${enc(options.parent)}`;
    const { actions } = await this.#json<{ actions: ApiAction[] }>("GET", `/v1/runs/${enc(run)}/actions${query}`);
    return actions.map(toActionRecord);
  }

  /** @throws RunNotFoundError for an unknown run; FlyteApiError with code ACTION_NOT_FOUND for an unknown action. */
  async getAction(run: string, action: string): Promise<ActionDetail> {
    const detail = await this.#json<{ action: ApiAction; attempts: AttemptRecord[] }>("GET", `/v1/runs/${enc(run)}/actions/${enc(action)}`);
    return { action: toActionRecord(detail.action), attempts: detail.attempts };
  }

  /** The run's console lines, or one action's (optionally one attempt's). */
  async getLogs(run: string, action?: string, attempt?: number): Promise<LogRecord[]> {
    const base = `/v1/runs/${enc(run)}`;
    const pathname = action === undefined ? `${base}/logs` : `${base}/actions/${enc(action)}/logs${attempt === undefined ? "" : `?attempt=${attempt}`}`;
    const { logs } = await this.#json<{ logs: LogRecord[] }>("GET", pathname);
    return logs;
  }

  /** The action's HTML report. @throws FlyteApiError with code REPORT_NOT_FOUND when it has none. */
  async getReport(run: string, action: string): Promise<string> {
    return (await this.#request("GET", `/v1/runs/${enc(run)}/actions/${enc(action)}/report`)).text;
  }

  async listTasks(): Promise<ApiTask[]> {
    const { tasks } = await this.#json<{ tasks: ApiTask[] }>("GET", "/v1/tasks");
    return tasks;
  }

  /** Registers the tasks of a deploy under its version (flyte deploy does this after uploading the bundle). */
  async deploy(request: DeploymentRequest): Promise<DeploymentResult> {
    const { deployment } = await this.#json<{ deployment: DeploymentResult }>("POST", "/v1/deployments", request);
    return deployment;
  }

  /** The latest version of every task deployed in a project and domain (the server's defaults when omitted). */
  async listDeployedTasks(scope: TaskScope = {}): Promise<ApiDeployedTask[]> {
    const { deployed } = await this.#json<{ deployed: ApiDeployedTask[] }>("GET", `/v1/tasks${query(scope)}`);
    return deployed;
  }

  /** One deployed version of a task, the latest when `version` is omitted. @throws DeployedTaskNotFoundError */
  async getDeployedTask(id: string, scope: TaskScope & { readonly version?: string | undefined } = {}): Promise<ApiDeployedTask> {
    const { task } = await this.#json<{ task: ApiDeployedTask }>("GET", `/v1/tasks/${enc(id)}${query({ ...scope, deployed: "true" })}`);
    return task;
  }

  /** Every deployed version of a task, newest deployment first. */
  async listTaskVersions(id: string, scope: TaskScope & { readonly limit?: number | undefined } = {}): Promise<ApiDeployedTask[]> {
    const { versions } = await this.#json<{ versions: ApiDeployedTask[] }>("GET", `/v1/tasks/${enc(id)}/versions${query(scope)}`);
    return versions;
  }

  /**
   * The run's watch stream: a `snapshot`, then `action` and `run` events, then `end` when the run is terminal.
   * Iteration ends with the stream; aborting `signal` closes the connection.
   */
  async *watchRun(name: string, options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<RunWatchEvent> {
    for await (const { event, data } of readSse(await this.#stream(`/v1/runs/${enc(name)}/watch`, options.signal))) {
      const raw = (data ?? {}) as { run?: ApiRun; runs?: ApiRun[]; actions?: ApiAction[] };
      yield {
        event,
        ...(raw.run ? { run: toRunRecord(raw.run) } : {}),
        ...(raw.runs ? { runs: raw.runs.map(toRunRecord) } : {}),
        ...(raw.actions ? { actions: raw.actions.map(toActionRecord) } : {}),
      };
    }
  }

  /** Stores (or replaces: `created` false) a secret; the value is sent once and never comes back. */
  async setSecret(name: string, value: string, where: SecretLocation = {}): Promise<{ created: boolean; secret: SecretInfo }> {
    const response = await this.#request("PUT", `/v1/secrets/${enc(name)}`, { value, ...defined(where) });
    const { secret } = JSON.parse(response.text) as { secret: SecretInfo };
    return { created: response.status === 201, secret };
  }

  /** The secrets of a project and domain (default: the server's), names and times only. */
  async listSecrets(where: Omit<SecretLocation, "group"> = {}): Promise<SecretInfo[]> {
    const query = new URLSearchParams(defined({ project: where.project, domain: where.domain }));
    const { secrets } = await this.#json<{ secrets: SecretInfo[] }>("GET", `/v1/secrets${query.size > 0 ? `?${query.toString()}` : ""}`);
    return secrets;
  }

  /** @throws SecretNotFoundError when no such secret is stored. */
  async deleteSecret(name: string, where: SecretLocation = {}): Promise<void> {
    const query = new URLSearchParams(defined(where));
    await this.#request("DELETE", `/v1/secrets/${enc(name)}${query.size > 0 ? `?${query.toString()}` : ""}`);
  }

  /** Joins the server as a worker host (`flyte start worker`). */
  async registerWorker(registration: { name: string; pools?: readonly string[]; slots?: number }): Promise<WorkerHostGrant> {
    const { worker } = await this.#json<{ worker: WorkerHostGrant }>("POST", "/v1/workers", registration);
    return worker;
  }

  /** The work the server sends a worker host: batches of messages, until the stream ends or `signal` aborts. */
  async *workerStream(id: string, options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<unknown[]> {
    for await (const { event, data } of readSse(await this.#stream(`/v1/workers/${enc(id)}/stream`, options.signal))) {
      if (event === "messages") yield data as unknown[];
    }
  }

  /** Sends what a host's workers reported (also renews the host's lease). */
  async postWorkerReports(id: string, reports: readonly unknown[]): Promise<void> {
    await this.#request("POST", `/v1/workers/${enc(id)}/reports`, { reports });
  }

  async workerHeartbeat(id: string): Promise<void> {
    await this.#request("POST", `/v1/workers/${enc(id)}/heartbeat`);
  }

  /** The description of an uploaded code bundle (its manifest: entry, npm externals with versions, size). */
  async getCode(hash: string): Promise<CodeInfo> {
    return (await this.#json<{ code: CodeInfo }>("GET", `/v1/code/${enc(hash)}`)).code;
  }

  /** The JavaScript of an uploaded code bundle. */
  async downloadCode(hash: string): Promise<string> {
    return (await this.#request("GET", `/v1/code/${enc(hash)}/bundle`)).text;
  }

  /** Closes the client's idle connections (they never keep the process alive, so this is optional). */
  close(): void {
    this.#http.close();
  }

  async #json<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    return JSON.parse((await this.#request(method, pathname, body)).text) as T;
  }

  async #request(method: string, pathname: string, body?: unknown): Promise<HttpReply> {
    const response = await this.#send(method, pathname, body);
    if (!response.ok) throw this.#refused(response.status, response.text);
    return response;
  }

  /** One request; any HTTP status is returned, only a failure to get a response throws. */
  async #send(method: string, pathname: string, body?: unknown): Promise<HttpReply> {
    const request = { method, path: pathname, headers: this.#headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) };
    try {
      return await this.#http.send(request);
    } catch (error) {
      throw unreachableError(this.endpoint, error);
    }
  }

  /** A GET whose body is streamed (server-sent events); aborting `signal` closes the connection. */
  async #stream(pathname: string, signal: AbortSignal | undefined): Promise<AsyncIterable<Uint8Array>> {
    let response;
    try {
      response = await this.#http.stream({ method: "GET", path: pathname, headers: this.#headers(false), signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw unreachableError(this.endpoint, error);
    }
    if (!response.ok) throw this.#refused(response.status, await response.text());
    const { endpoint } = this;
    const { body } = response;
    // A connection that drops mid-stream (the server stopped) fails as the server being unreachable.
    return (async function* () {
      try {
        yield* body;
      } catch (error) {
        if (signal?.aborted) throw error;
        throw unreachableError(endpoint, error);
      }
    })();
  }

  #headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token !== undefined) headers["authorization"] = `Bearer ${this.#token}`;
    if (json) headers["content-type"] = "application/json";
    return headers;
  }

  #refused(status: number, text: string): Error {
    return responseError(status, text, this.endpoint, this.#token !== undefined);
  }
}

/** What a server grants a worker host that joins it. */
export interface WorkerHostGrant {
  readonly id: string;
  /** Heartbeat at least this often; a host silent for `leaseMs` is dropped and its attempts retried. */
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  /** Root URI of the server's blob store (the host's workers read and write run data there). */
  readonly blobs: string;
}

/** The fields of `where` that are set (absent and undefined both mean "the server's default"). */
function defined(where: SecretLocation): Record<string, string> {
  return Object.fromEntries(Object.entries(where).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
