// Test support for the progress view: builders for the WriteOps the engine writes (same shapes and order as
// attempt-runner / local-controller) and a fake output stream that records writes and can pose as a terminal.
import { Writable } from "node:stream";
import type { ErrorRecord } from "../../src/errors/index.js";
import type { ActionPhase, ActionRecord, WriteOp } from "../../src/store/index.js";
import { actionRecord } from "../store-conformance-records.js";

export const RUN = "rtest";

export class FakeOut extends Writable {
  readonly chunks: string[] = [];
  isTTY: boolean | undefined;
  columns: number | undefined;
  rows: number | undefined;

  constructor(terminal?: { columns: number; rows: number }) {
    super();
    if (terminal) {
      this.isTTY = true;
      this.columns = terminal.columns;
      this.rows = terminal.rows;
    }
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    done();
  }

  get text(): string {
    return this.chunks.join("");
  }

  /** Output lines with escape sequences removed. */
  get plainLines(): string[] {
    return stripAnsi(this.text).split("\n").filter((line) => line !== "");
  }
}

export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

export function errorRecord(message: string, name = "TypeError", attempt = 1): ErrorRecord {
  return { kind: "user", code: "USER_ERROR", name, message, attempt };
}

export function runInsert(createdAt = 0, taskName = "hello.main"): WriteOp {
  return {
    op: "run.insert",
    run: {
      name: RUN,
      project: "p",
      domain: "d",
      taskName,
      phase: "running",
      inputs: "[]",
      outputs: null,
      error: null,
      labels: {},
      createdAt,
      endedAt: null,
      abortRequested: null,
    },
  };
}

export function runEnd(phase: ActionPhase, endedAt: number): WriteOp {
  return { op: "run.transition", transition: { name: RUN, phase, endedAt } };
}

export function insert(
  name: string,
  taskName: string,
  fields: Partial<Omit<ActionRecord, "name" | "taskName" | "runName">> = {},
): WriteOp {
  const startedAt = fields.startedAt ?? fields.createdAt ?? 0;
  return {
    op: "action.insert",
    action: actionRecord(name, { runName: RUN, taskName, phase: "running", createdAt: startedAt, startedAt, ...fields }),
  };
}

export function transition(
  name: string,
  phase: ActionPhase,
  attempt: number,
  fields: { endedAt?: number; error?: ErrorRecord; startedAt?: number } = {},
): WriteOp {
  return { op: "action.transition", transition: { runName: RUN, name, phase, attempt, ...fields } };
}

export function log(actionName: string, text: string): WriteOp {
  return { op: "log.append", record: { runName: RUN, actionName, attempt: 1, stream: "stdout", ts: 0, text } };
}

/** A child that runs from `start` and succeeds at `end`: its insert and its final transition. */
export function childSucceeds(name: string, taskName: string, start: number, end: number, group: string | null = null): WriteOp[] {
  return [insert(name, taskName, { startedAt: start, group }), transition(name, "succeeded", 1, { endedAt: end })];
}

/** Hex names like the engine's: 16 characters, unique in their first 8 (the part the view prints). */
export function actionName(i: number): string {
  return `${i.toString(16).padStart(8, "0")}deadbeef`;
}
