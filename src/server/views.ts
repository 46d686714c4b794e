// How stored records look on the wire. Inputs and outputs are stored as the codec's JSON text; the API sends
// them as JSON values (tags such as {"$t":"date"} kept, so a client revives them with decodeValue), and an
// offloaded value stays its small {"$t":"offloaded"} pointer rather than being read from the blob store.
import type { ActionRecord, AttemptRecord, LogRecord, RunRecord, TaskVersionRecord } from "../store/index.js";
import type { TaskTemplate } from "../engine/index.js";
import type { DeployedTaskDefinition } from "../deploy/deployment.js";
import type { InputSpec } from "../deploy/interface/index.js";

export type ApiRun = Omit<RunRecord, "inputs" | "outputs"> & { inputs: unknown; outputs: unknown };
export type ApiAction = Omit<ActionRecord, "inputs" | "outputs"> & { inputs: unknown; outputs: unknown };
export type ApiAttempt = AttemptRecord;
export type ApiLog = LogRecord;

export interface ApiTask {
  readonly id: string;
  readonly name: string;
  readonly env: string;
  /** One entry per parameter; later entries gain the JSON Schema of their type. */
  readonly inputs: ReadonlyArray<{ readonly name: string }>;
  readonly retries: number;
  readonly cache: string;
  readonly report: boolean;
}

/** A deployed task version (flyte deploy): a task plus where it was deployed and from which code. */
export interface ApiDeployedTask extends Omit<DeployedTaskDefinition, "inputs"> {
  readonly id: string;
  readonly name: string;
  readonly env: string;
  readonly project: string;
  readonly domain: string;
  readonly version: string;
  /** sha256 of the code bundle that defines it. */
  readonly code: string;
  /** Inputs from the TypeScript signature; empty when the task was not exported (its inputs are not checked). */
  readonly inputs: readonly InputSpec[];
  readonly inputsKnown: boolean;
  readonly createdAt: number;
  readonly deployedAt: number;
}

function value(stored: string | null): unknown {
  return stored === null ? null : (JSON.parse(stored) as unknown);
}

export function runView(record: RunRecord): ApiRun {
  return { ...record, inputs: value(record.inputs), outputs: value(record.outputs) };
}

export function actionView(record: ActionRecord): ApiAction {
  return { ...record, inputs: value(record.inputs), outputs: value(record.outputs) };
}

export function taskView(template: TaskTemplate): ApiTask {
  return {
    id: template.id,
    name: template.name,
    env: template.envName,
    inputs: template.inputNames.map((name) => ({ name })),
    retries: template.retries.count,
    cache: template.cache.behavior,
    report: template.report,
  };
}

export function deployedTaskView(record: TaskVersionRecord): ApiDeployedTask {
  const definition = JSON.parse(record.definition) as DeployedTaskDefinition;
  return {
    id: record.taskId,
    name: record.taskId.slice(record.envName.length + 1),
    env: record.envName,
    project: record.project,
    domain: record.domain,
    version: record.version,
    code: record.code,
    inputs: definition.inputs ?? [],
    inputsKnown: definition.inputs !== null,
    output: definition.output,
    outputTypeText: definition.outputTypeText,
    docs: definition.docs,
    retries: definition.retries,
    cache: definition.cache,
    report: definition.report,
    image: definition.image,
    createdAt: record.createdAt,
    deployedAt: record.deployedAt,
  };
}

// JSON Schemas of the views, for the OpenAPI document (kept here, next to the shapes they describe).
const nullable = (schema: Record<string, unknown>): Record<string, unknown> => ({ anyOf: [schema, { type: "null" }] });
const phase = {
  type: "string",
  enum: ["queued", "waiting_for_resources", "initializing", "running", "succeeded", "failed", "aborted", "timed_out"],
};
const millis = { type: "integer", description: "milliseconds since the Unix epoch" };
const codecValue = { description: "a value in the codec's JSON form (decode with decodeValue(JSON.stringify(v)))" };

export const errorRecordSchema: Record<string, unknown> = {
  type: "object",
  required: ["kind", "code", "name", "message"],
  properties: {
    kind: { type: "string", enum: ["user", "system"] },
    code: { type: "string" },
    name: { type: "string" },
    message: { type: "string" },
    stack: { type: "string" },
    attempt: { type: "integer" },
    cause: { $ref: "#/components/schemas/ErrorRecord" },
  },
};

export const viewSchemas: Record<string, Record<string, unknown>> = {
  ErrorRecord: errorRecordSchema,
  Run: {
    type: "object",
    properties: {
      name: { type: "string" },
      project: { type: "string" },
      domain: { type: "string" },
      taskName: { type: "string", description: "the root task, env.task" },
      phase,
      inputs: codecValue,
      outputs: codecValue,
      error: nullable({ $ref: "#/components/schemas/ErrorRecord" }),
      labels: { type: "object", additionalProperties: { type: "string" } },
      createdAt: millis,
      endedAt: nullable(millis),
      abortRequested: nullable({ type: "string" }),
    },
  },
  Action: {
    type: "object",
    properties: {
      runName: { type: "string" },
      name: { type: "string", description: "deterministic; the root action is a0" },
      parentName: nullable({ type: "string" }),
      type: { type: "string", enum: ["task", "trace"] },
      taskName: { type: "string" },
      group: nullable({ type: "string" }),
      seq: { type: "integer" },
      phase,
      attempt: { type: "integer" },
      inputs: codecValue,
      outputs: codecValue,
      error: nullable({ $ref: "#/components/schemas/ErrorRecord" }),
      cacheKey: nullable({ type: "string" }),
      cacheStatus: { type: "string", enum: ["disabled", "miss", "hit"] },
      createdAt: millis,
      startedAt: nullable(millis),
      endedAt: nullable(millis),
    },
  },
  Attempt: {
    type: "object",
    properties: {
      runName: { type: "string" },
      actionName: { type: "string" },
      attempt: { type: "integer" },
      phase,
      startedAt: millis,
      endedAt: millis,
      error: nullable({ $ref: "#/components/schemas/ErrorRecord" }),
    },
  },
  LogRecord: {
    type: "object",
    properties: {
      runName: { type: "string" },
      actionName: { type: "string" },
      attempt: { type: "integer" },
      stream: { type: "string", enum: ["stdout", "stderr"] },
      ts: millis,
      text: { type: "string" },
    },
  },
  Task: {
    type: "object",
    properties: {
      id: { type: "string", description: "env.task" },
      name: { type: "string" },
      env: { type: "string" },
      inputs: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
      retries: { type: "integer" },
      cache: { type: "string", enum: ["auto", "override", "disable"] },
      report: { type: "boolean" },
    },
  },
  DeployedTask: {
    type: "object",
    properties: {
      id: { type: "string", description: "env.task" },
      name: { type: "string" },
      env: { type: "string" },
      project: { type: "string" },
      domain: { type: "string" },
      version: { type: "string" },
      code: { type: "string", description: "sha256 of the code bundle that defines it" },
      inputs: { type: "array", items: { type: "object", properties: { name: { type: "string" }, schema: { type: "object" }, optional: { type: "boolean" }, typeText: { type: "string" } } } },
      inputsKnown: { type: "boolean", description: "false for a task deployed without its signature (not exported): its inputs are not checked" },
      output: nullable({ type: "object" }),
      outputTypeText: nullable({ type: "string" }),
      docs: nullable({ type: "string" }),
      retries: { type: "integer" },
      cache: { type: "string", enum: ["auto", "override", "disable"] },
      report: { type: "boolean" },
      image: nullable({ type: "string" }),
      createdAt: millis,
      deployedAt: millis,
    },
  },
};
